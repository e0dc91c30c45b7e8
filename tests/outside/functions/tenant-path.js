import cf from 'cloudfront';

// Viewer request on a multi-tenant distribution: each tenant's files live under the folder its
// TenantPath parameter names. Written for this corpus from the Developer Guide's "Helper methods
// for CloudFront SaaS Manager properties": the tenant ID, a parameter, the connection group's
// endpoint, and the two documented errors (handled with try/catch as the page advises).
function attempt(read) {
    try {
        return { value: read() };
    } catch (e) {
        return { error: e };
    }
}

function handler(event) {
    var request = event.request;
    var id = attempt(function () { return cf.distributionTenant.id; });
    var folder = attempt(function () { return cf.distributionTenant.parameters.get('TenantPath'); });
    var endpoint = event.context.endpoint;
    var headers = { 'x-endpoint': { value: typeof endpoint === 'string' ? endpoint : 'none' } };
    if (id.error) {
        headers['x-standard'] = { value: String(id.error instanceof TypeError) + ' ' +
            String(String(id.error).indexOf('distributionTenant module is not available') >= 0) };
        return { statusCode: 421, statusDescription: 'Misdirected Request', headers: headers };
    }
    if (folder.error) {
        headers['x-missing'] = { value: String(String(folder.error).indexOf('DistributionTenantParameterKeyNotFound') >= 0) };
        return { statusCode: 404, statusDescription: 'Not Found', headers: headers };
    }
    request.uri = '/' + folder.value + request.uri;
    request.headers['x-tenant-id'] = { value: id.value };
    request.headers['x-endpoint'] = headers['x-endpoint'];
    return request;
}
