import cf from 'cloudfront';

// Connection function (mTLS), written for this corpus from the Developer Guide's revocation
// walk-through (create-revocation-connection-function): the client certificate's parsed serial
// number (connection.clientCertInfo.serialNumber) is looked up in the associated key value store;
// a serial that is a key there is revoked and the connection denied, any other is allowed.
async function connectionHandler(connection) {
    var store = cf.kvs();
    var serial = connection.clientCertInfo.serialNumber;
    if (await store.exists(serial)) {
        console.log('deny: ' + serial + ' is revoked');
        return connection.deny();
    }
    console.log('allow: ' + serial);
    return connection.allow();
}
