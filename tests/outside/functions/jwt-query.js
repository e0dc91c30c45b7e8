// Viewer request (2.0): an HS256 JSON Web Token in ?jwt= must be valid, with the secret in the
// KeyValueStore under jwt.secret; a valid token is removed before the request goes on.
import cf from 'cloudfront';
import crypto from 'crypto';

function deny() {
    return { statusCode: 401, statusDescription: 'Unauthorized' };
}

function b64urlJson(part) {
    var b64 = part.replace(/-/g, '+').replace(/_/g, '/');
    while (b64.length % 4) b64 += '=';
    return JSON.parse(Buffer.from(b64, 'base64').toString('utf8'));
}

async function handler(event) {
    var req = event.request;
    var param = req.querystring.jwt;
    if (!param) return deny();
    var parts = param.value.split('.');
    if (parts.length !== 3) return deny();
    var secret;
    try {
        secret = await cf.kvs().get('jwt.secret');
    } catch (e) {
        return deny();
    }
    var mac = crypto.createHmac('sha256', secret).update(parts[0] + '.' + parts[1]).digest('base64url');
    if (mac !== parts[2]) return deny();
    var claims;
    try {
        claims = b64urlJson(parts[1]);
    } catch (e) {
        return deny();
    }
    var now = Math.floor(Date.now() / 1000);
    if ((claims.nbf !== undefined && now < claims.nbf) || (claims.exp !== undefined && now > claims.exp)) return deny();
    delete req.querystring.jwt;
    console.log('Valid JWT token');
    return req;
}
