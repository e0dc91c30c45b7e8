// viewer-response: a baseline of browser security headers on every answer.
async function handler(event) {
  const h = event.response.headers;
  h['strict-transport-security'] = { value: 'max-age=63072000; includeSubDomains; preload' };
  h['content-security-policy'] = { value: "default-src 'self'; img-src 'self' data:; frame-ancestors 'none'" };
  h['x-content-type-options'] = { value: 'nosniff' };
  h['x-frame-options'] = { value: 'DENY' };
  h['x-xss-protection'] = { value: '1; mode=block' };
  h['referrer-policy'] = { value: 'same-origin' };
  return event.response;
}
