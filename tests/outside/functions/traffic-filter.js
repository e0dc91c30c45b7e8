// Viewer request: a traffic filter for a small static site, written for this corpus from the
// behaviour that christ-off/cloudfront-function-filter-traffic's own tests describe (a subset:
// path scans, percent-decoding, user-agent tokens, address ranges, robots/sitemap/feed answers
// for blocked clients, the trailing-slash redirect).
var ALLOWED = { '/backup.zip': true };
var FOLDERS = /^\/(images?|img|wp-includes|wp-content|wp-json|wp-admin|static|wp|wordpress|old|new|blog|backup|cgi-bin|vendor|uploads|plugins|login|webmail|roundcube|mail|rc|api|read-document|@fs|@vite|@id|admin|administrator|phpmyadmin|pma|actuator)(\/|$)|^\/__vite|^\/ip$/;
var EXTENSIONS = /\.(php[0-9]*|phtml|sql|bak|swp|config|ya?ml|conf|key|pem|axd|tfstate)$|~$/;
var DOTFILE = /(^|\/)\./;
var ROOT_JSON = /^\/(secrets|config|credentials|service[-_]account|firebase-adminsdk|serviceaccountkey|settings|env|auth|app-config|appsettings|openapi|swagger|amplifyconfiguration)\.json$/;
var AGENTS = ['scrapy', 'python-requests', 'python-httpx', 'aiohttp', 'gptbot', 'ccbot', 'bytespider',
    'perplexitybot', 'baiduspider', 'yaapp_android', 'yasearchbrowser', 'builtwith', 'amzn-searchbot',
    'undici', 'colly', '; crawler)', 'discordbot', 'googlebot-image', 'censysinspect', 'screaming frog',
    'feedfetcher-google', 'timpibot', 'greedyhand'];
var NETWORKS = ['45.148.10.', '93.123.109.', '195.178.110.'];
var DAY = { value: 'public, max-age=86400' };

function answer(status, text, type, body, extra) {
    var headers = { 'content-type': { value: type } };
    if (extra) { headers['cache-control'] = extra; }
    return { statusCode: status, statusDescription: text, headers: headers, body: body };
}

function notFound() { return answer(404, 'Not Found', 'text/plain', 'Not Found'); }

function decoded(uri) {
    var previous = null;
    for (var i = 0; i < 3 && previous !== uri; i++) {
        previous = uri;
        uri = decodeURIComponent(uri);
    }
    return uri;
}

function blockedClient(event) {
    var h = event.request.headers['user-agent'];
    var agent = h ? h.value.toLowerCase() : '';
    if (agent.trim() === '') { return true; }
    for (var i = 0; i < AGENTS.length; i++) {
        if (agent.indexOf(AGENTS[i]) >= 0) { return true; }
    }
    var ip = event.viewer ? event.viewer.ip : '';
    return NETWORKS.some(function (net) { return ip.indexOf(net) === 0; });
}

function handler(event) {
    var request = event.request;
    var path;
    try {
        path = decoded(request.uri).toLowerCase();
    } catch (e) {
        return notFound();
    }
    if (ALLOWED[path]) { return request; }
    if (FOLDERS.test(path) || EXTENSIONS.test(path) || DOTFILE.test(path) || ROOT_JSON.test(path)) {
        return notFound();
    }
    if (blockedClient(event)) {
        if (path === '/robots.txt') { return answer(200, 'OK', 'text/plain', 'User-agent: *\nDisallow: /\n', DAY); }
        if (path === '/sitemap.xml') {
            return answer(200, 'OK', 'application/xml', '<?xml version="1.0" encoding="UTF-8"?>\n<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"></urlset>\n', DAY);
        }
        if (path === '/feed.xml') {
            return answer(200, 'OK', 'application/atom+xml', '<?xml version="1.0" encoding="UTF-8"?>\n<feed xmlns="http://www.w3.org/2005/Atom"></feed>\n', DAY);
        }
        return notFound();
    }
    var last = request.uri.slice(request.uri.lastIndexOf('/') + 1);
    if (last !== '' && last.indexOf('.') < 0) {
        return { statusCode: 301, statusDescription: 'Moved Permanently', headers: { location: { value: request.uri + '/' } } };
    }
    return request;
}
