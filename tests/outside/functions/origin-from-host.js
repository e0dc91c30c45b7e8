// Viewer request: make sure the origin sees an Origin header, derived from the Host.
function handler(event) {
    var req = event.request;
    var h = req.headers;
    if (h.origin === undefined && h.host !== undefined) {
        h.origin = { value: 'https://' + h.host.value };
    }
    return req;
}
