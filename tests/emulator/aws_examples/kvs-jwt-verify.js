// viewer-request (runtime 2.0): an HS256 JWT in ?jwt= signed with the KVS secret
// 'jwt.secret'; checks signature, exp and nbf; 401 on failure; strips the parameter.
import cf from 'cloudfront';
import crypto from 'crypto';

function unauthorized(reason) {
  console.log('denied: ' + reason);
  return { statusCode: 401, statusDescription: 'Unauthorized' };
}

function decodePart(part) {
  return JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));
}

async function handler(event) {
  const request = event.request;
  const param = request.querystring.jwt;
  if (!param) {
    return unauthorized('no token');
  }
  const pieces = param.value.split('.');
  if (pieces.length !== 3) {
    return unauthorized('malformed token');
  }
  let secret;
  try {
    secret = await cf.kvs().get('jwt.secret');
  } catch (err) {
    return unauthorized('no secret');
  }
  const expected = crypto.createHmac('sha256', secret).update(pieces[0] + '.' + pieces[1]).digest('base64url');
  if (expected !== pieces[2]) {
    return unauthorized('bad signature');
  }
  let header, claims;
  try {
    header = decodePart(pieces[0]);
    claims = decodePart(pieces[1]);
  } catch (err) {
    return unauthorized('undecodable token');
  }
  if (header.alg !== 'HS256') {
    return unauthorized('unexpected algorithm');
  }
  const now = Math.floor(Date.now() / 1000);
  if (typeof claims.exp === 'number' && now >= claims.exp) {
    return unauthorized('expired');
  }
  if (typeof claims.nbf === 'number' && now < claims.nbf) {
    return unauthorized('not yet valid');
  }
  delete request.querystring.jwt;
  return request;
}
