// viewer-request (runtime 2.0): serve each viewer from the S3 bucket of its region.
import cf from 'cloudfront';

const REGION_BY_COUNTRY = { DE: 'eu-central-1', FR: 'eu-west-3', IE: 'eu-west-1', JP: 'ap-northeast-1', US: 'us-east-1' };

function handler(event) {
  const request = event.request;
  const country = request.headers['cloudfront-viewer-country'];
  const region = country ? REGION_BY_COUNTRY[country.value] : undefined;
  if (region) {
    cf.updateRequestOrigin({
      domainName: 'assets-' + region + '.s3.' + region + '.amazonaws.com',
      originAccessControlConfig: { enabled: true, signingBehavior: 'always', signingProtocol: 'sigv4', originType: 's3' }
    });
  }
  return request;
}
