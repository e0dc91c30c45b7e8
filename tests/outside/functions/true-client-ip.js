// Viewer request: pass the viewer's address to the origin.
function handler(event) {
    event.request.headers['true-client-ip'] = { value: event.viewer.ip };
    return event.request;
}
