// viewer-response: long-lived caching for successful and redirect answers.
async function handler(event) {
  const response = event.response;
  if (response.statusCode >= 200 && response.statusCode < 400) {
    response.headers['cache-control'] = { value: 'public, max-age=63072000' };
  }
  return response;
}
