// viewer-request: send German viewers to the German home page.
function handler(event) {
  var request = event.request;
  var country = request.headers['cloudfront-viewer-country'];
  if (country && country.value === 'DE') {
    return {
      statusCode: 302,
      statusDescription: 'Found',
      headers: { location: { value: '/de/index.html' } }
    };
  }
  return request;
}
