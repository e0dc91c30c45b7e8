// viewer-response: echo the request's Origin when the origin server sent no CORS header.
async function handler(event) {
  const request = event.request;
  const response = event.response;
  const origin = request.headers['origin'];
  if (!response.headers['access-control-allow-origin'] && origin) {
    response.headers['access-control-allow-origin'] = { value: origin.value };
  }
  return response;
}
