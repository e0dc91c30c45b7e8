// Viewer response (2.0): a fixed browser cache lifetime on every answer, with a log line.
async function handler(event) {
    var res = event.response;
    res.headers['cache-control'] = { value: 'public, max-age=6307200' };
    console.log('[on the edge] Cache-Control header set.');
    return res;
}
