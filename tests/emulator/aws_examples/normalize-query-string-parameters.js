// viewer-request (runtime 1.0): one canonical, sorted query string for a better cache hit ratio.
function handler(event) {
  var request = event.request;
  var qs = request.querystring;
  var pairs = [];
  Object.keys(qs).forEach(function (name) {
    var entry = qs[name];
    var values = entry.multiValue && entry.multiValue.length ? entry.multiValue : [entry];
    values.forEach(function (v) {
      pairs.push(v.value === '' ? name : name + '=' + v.value);
    });
  });
  pairs.sort();
  request.querystring = pairs.join('&');
  return request;
}
