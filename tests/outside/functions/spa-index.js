// Viewer request: a path without a file name gets index.html.
function handler(event) {
    var req = event.request;
    var path = req.uri;
    if (path.charAt(path.length - 1) === '/') {
        req.uri = path + 'index.html';
    } else if (path.slice(path.lastIndexOf('/') + 1).indexOf('.') < 0) {
        req.uri = path + '/index.html';
    }
    return req;
}
