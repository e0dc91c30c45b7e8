// Viewer response: when the origin set no CORS header and the viewer sent an Origin, allow that origin.
function handler(event) {
    var res = event.response;
    var viewerOrigin = event.request.headers.origin;
    if (!res.headers['access-control-allow-origin'] && viewerOrigin) {
        res.headers['access-control-allow-origin'] = { value: viewerOrigin.value };
        console.log('Access-Control-Allow-Origin was missing, adding it now.');
    }
    return res;
}
