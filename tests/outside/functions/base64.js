// Viewer request: x-encode is turned into base64 (x-base64), x-decode from base64 into text
// (x-text), with the runtime's Buffer. Written for this corpus to check Buffer against RFC 4648's
// test vectors.
function handler(event) {
    var h = event.request.headers;
    var out = {};
    if (h['x-encode']) { out['x-base64'] = { value: Buffer.from(h['x-encode'].value, 'utf8').toString('base64') }; }
    if (h['x-decode']) { out['x-text'] = { value: Buffer.from(h['x-decode'].value, 'base64').toString('utf8') }; }
    return { statusCode: 200, statusDescription: 'OK', headers: out };
}
