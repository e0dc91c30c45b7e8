// Viewer response: tell browsers to keep successful and redirect answers for two years.
function handler(event) {
    var res = event.response;
    var code = res.statusCode;
    if (code >= 200 && code <= 399) {
        res.headers['cache-control'] = { value: 'public, max-age=63072000;' };
    }
    return res;
}
