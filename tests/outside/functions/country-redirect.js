// Viewer request: send German viewers to the German home page.
function handler(event) {
    var req = event.request;
    var country = req.headers['cloudfront-viewer-country'];
    if (country && country.value === 'DE') {
        return {
            statusCode: 302,
            statusDescription: 'Found',
            headers: { location: { value: 'https://' + req.headers.host.value + '/de/index.html' } }
        };
    }
    return req;
}
