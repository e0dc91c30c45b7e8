// Viewer request: answers the digest of x-data (or the bytes of x-data-hex) with the algorithm
// in x-alg; with x-key (or x-key-hex) present it is an HMAC. The result is in x-digest, in the
// encoding x-enc (hex unless given). Written for this corpus to check crypto against published
// test vectors.
import crypto from 'crypto';

function input(headers, name) {
    if (headers[name + '-hex']) { return Buffer.from(headers[name + '-hex'].value, 'hex'); }
    return headers[name] ? headers[name].value : undefined;
}

function handler(event) {
    var h = event.request.headers;
    var alg = h['x-alg'].value;
    var key = input(h, 'x-key');
    var data = input(h, 'x-data');
    var state = key === undefined ? crypto.createHash(alg) : crypto.createHmac(alg, key);
    var out = state.update(data === undefined ? '' : data).digest(h['x-enc'] ? h['x-enc'].value : 'hex');
    return { statusCode: 200, statusDescription: 'OK', headers: { 'x-digest': { value: out } } };
}
