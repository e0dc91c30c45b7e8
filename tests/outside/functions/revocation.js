import cf from 'cloudfront';

// Connection function (mTLS): deny a client whose certificate serial number is on the revocation
// list kept in the key value store (keys are serial numbers without colons), allow the rest.
// Written for this corpus from the Developer Guide's connection-function pages
// (write-connection-function-code, implement-certificate-revocation).
async function connectionHandler(connection) {
    var certificate = connection.clientCertificate;
    if (!certificate) {
        connection.deny();
        return;
    }
    var serial = certificate.certificates.leaf.serialNumber.split(':').join('');
    var revoked = await cf.kvs().exists(serial);
    if (revoked) {
        console.log('revoked ' + serial);
        connection.deny();
    } else {
        connection.allow();
    }
}
