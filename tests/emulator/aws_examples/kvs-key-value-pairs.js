// viewer-request (runtime 2.0): the first path segment is looked up in the KeyValueStore
// and replaced by its value; unknown segments leave the request alone.
import cf from 'cloudfront';

const kvs = cf.kvs();

async function handler(event) {
  const request = event.request;
  const parts = request.uri.split('/');
  const segment = parts[1];
  if (!segment) {
    return request;
  }
  try {
    parts[1] = await kvs.get(segment);
    request.uri = parts.join('/');
  } catch (err) {
    console.log('no mapping for ' + segment);
  }
  return request;
}
