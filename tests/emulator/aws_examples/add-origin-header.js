// viewer-request: make sure the origin sees an Origin header built from the Host.
async function handler(event) {
  const request = event.request;
  const headers = request.headers;
  if (!headers.origin && headers.host) {
    headers.origin = { value: `https://${headers.host.value}` };
  }
  return request;
}
