import cf from 'cloudfront';

// Viewer request: reports what the key value store helpers return, in response headers. Written
// for this corpus from the Developer Guide's "Helper methods for key value stores": get(key,
// {format}) with string (the default), json and bytes; get of a missing key rejects (catchable);
// exists(key) resolves to a boolean; meta() to an object with creationDateTime,
// lastUpdatedDateTime (ISO 8601) and keyCount.
const kvsHandle = cf.kvs();

async function handler(event) {
    const h = event.request.headers;
    const op = h['x-op'].value;
    const key = h['x-key'] ? h['x-key'].value : '';
    const out = {};
    try {
        if (op === 'get') {
            const v = await kvsHandle.get(key);
            out['x-value'] = { value: v };
        } else if (op === 'get-string') {
            const v = await kvsHandle.get(key, { format: 'string' });
            out['x-value'] = { value: v };
        } else if (op === 'get-json') {
            const v = await kvsHandle.get(key, { format: 'json' });
            out['x-type'] = { value: Array.isArray(v) ? 'array' : typeof v };
            out['x-value'] = { value: JSON.stringify(v) };
        } else if (op === 'get-bytes') {
            const v = await kvsHandle.get(key, { format: 'bytes' });
            out['x-type'] = { value: Buffer.isBuffer(v) ? 'Buffer' : typeof v };
            out['x-value'] = { value: v.toString('hex') };
        } else if (op === 'exists') {
            const found = await kvsHandle.exists(key);
            out['x-value'] = { value: String(found) };
        } else if (op === 'meta') {
            const m = await kvsHandle.meta();
            const iso = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;
            out['x-value'] = { value: String(m.keyCount) };
            out['x-iso'] = { value: String(iso.test(m.creationDateTime) && iso.test(m.lastUpdatedDateTime)) };
        }
    } catch (e) {
        out['x-error'] = { value: 'caught' };
    }
    return { statusCode: 200, statusDescription: 'OK', headers: out };
}
