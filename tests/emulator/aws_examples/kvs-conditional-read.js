// viewer-request (runtime 2.0): A/B test. Weights come from a JSON KVS entry; a viewer
// keeps the group named in its cookie, a new viewer is drawn by weight and the cookie set
// on the request so the origin can see it.
import cf from 'cloudfront';

async function handler(event) {
  const request = event.request;
  let groups;
  try {
    groups = await cf.kvs().get('ab-weights', { format: 'json' });
  } catch (err) {
    return request;
  }
  const names = Object.keys(groups);
  let group = request.cookies['ab-group'] ? request.cookies['ab-group'].value : '';
  if (names.indexOf(group) < 0) {
    let total = 0;
    names.forEach(function (n) { total += groups[n]; });
    let pick = Math.random() * total;
    group = names[names.length - 1];
    for (let i = 0; i < names.length; i++) {
      pick -= groups[names[i]];
      if (pick < 0) { group = names[i]; break; }
    }
    request.cookies['ab-group'] = { value: group };
  }
  request.uri = '/' + group + request.uri;
  return request;
}
