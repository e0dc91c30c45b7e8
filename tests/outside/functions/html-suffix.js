// Viewer request: pages are stored as NAME.html; a request for a path whose last segment has no
// file extension (a dot followed by a letter) gets ".html" appended, except a directory path
// (trailing slash) and the documentation tool's asset folder. Written for this corpus from the
// behaviour pagopa/developer-portal's own test of its viewer-request function asserts.
var EXTENSION = /\.[a-z][a-z0-9]*$/i;
var ASSETS = /\/\.gitbook\/assets\//;

function handler(event) {
    var request = event.request;
    var uri = request.uri;
    if (uri.charAt(uri.length - 1) !== '/' && !EXTENSION.test(uri) && !ASSETS.test(uri)) {
        request.uri = uri + '.html';
    }
    return request;
}
