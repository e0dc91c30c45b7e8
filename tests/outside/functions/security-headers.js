// Viewer response: add the usual browser security headers.
function handler(event) {
    var res = event.response;
    var add = {
        'strict-transport-security': 'max-age=63072000; includeSubdomains; preload',
        'content-security-policy': "default-src 'none'; img-src 'self'; script-src 'self'; style-src 'self'; object-src 'none'",
        'x-content-type-options': 'nosniff',
        'x-frame-options': 'DENY',
        'x-xss-protection': '1; mode=block'
    };
    Object.keys(add).forEach(function (name) { res.headers[name] = { value: add[name] }; });
    return res;
}
