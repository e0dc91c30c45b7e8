// viewer-request (runtime 1.0): pass the viewer's address on to the origin.
function handler(event) {
  var request = event.request;
  request.headers['true-client-ip'] = { value: event.viewer.ip };
  return request;
}
