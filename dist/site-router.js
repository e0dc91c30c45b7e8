// cfroutes 0.1.0 site-router input-sha256:1ead23096d2238b9
import cf from'cloudfront';var K=cf.kvs();var P=[{p:["configurator"],h:[["tenant"],"salessqueeze","com"],t:"w",u:[["target"]],lk:[[["tenant"]],"target",0,0,2]},{p:["configurator"],t:"w",u:[["target"]],lk:[[["@tenant","params","site"],"/configurator"],"target",0,0,2],tn:[0,0,[["site",0]],-1]},{p:["brand"],s:1,h:[["tenant"],"salessqueeze","com"],t:"w",u:["/tenants/",["brand","folder"],"/",["splat"]],lk:[["brand:",["tenant"]],"brand",1,{t:"s",st:404,b:"unknown tenant"}]},{p:["assets"],s:1,t:"w",u:["/tenants/",["@tenant","params","TenantPath"],"/assets/",["splat"]],tn:["",[["TenantPath",1]],[["TenantPath",2]],-1]},{p:["old-blog"],s:1,t:"r",u:["/blog/",["splat"]]},{p:[],s:1,h:["www","salessqueeze","com"],t:"r",u:["https://salessqueeze.com/",["splat"]],st:308},{p:["docs",["section"],["page"]],t:"w",u:["/public/docs/",["section"],"/",["page"],".html"]},{p:["app"],s:1,ck:[["beta",0,"1"]],t:"w",u:["/public/app-beta/",["splat"]]},{p:["wp-admin"],s:1,t:"s",st:404},{p:[],s:1,t:"w",u:["/public/",["splat"]]}];var G={"/configurator":[0,1,5,9],"/brand":[2,5,9],"/assets":[3,5,9],"/old-blog":[4,5,9],"/docs":[5,6,9],"/app":[5,7,9],"/wp-admin":[5,8,9],"":[5,9]};var X=[[5,{"":{"/pricing.html":"/pricing"}}],[8,{"":{"/healthz":{t:"s",st:200,b:"ok"}}}]];var H=[{p:["api"],s:1,sh:[["x-forwarded-tenant",[["host"]]]]}];var Z={};var V=[/[\0-\x1f\x7f]/,/[\0- \x7f]/,/[\0- \x7f#]/];function own(o,k){return o!=null&&Object.prototype.hasOwnProperty.call(o,k);}
function hv(o,k){return own(o,k)?o[k].value:undefined;}
function qs(o){var a='',n=0,k,m,j;for(k in o){m=o[k].multiValue;if(m&&m.length){for(j=0;j<m.length;j++)a+=(n++?'&':'')+(m[j].value===''?k:k+'='+m[j].value);}
else a+=(n++?'&':'')+(o[k].value===''?k:k+'='+o[k].value);}
return a;}
function HL(h){h=h.toLowerCase();return h.indexOf(':')<0?h:h.replace(/:[0-9]*$/,'');}
function C(q){var u=q.uri,s=u.slice(1),g=s===''?[]:s.split('/'),n=g,t=0,h=hv(q.headers,'host')||'';if(g.length&&g[g.length-1]===''){n=g.slice(0,-1);t=1;}
return{u:u,g:g,n:n,t:t,l:HL(h),H:q.headers,Q:q.querystring,K:q.cookies,h:h};}
function NP(m){if(m.charCodeAt(0)==37)return m.toUpperCase();try{return encodeURIComponent(m);}catch(z){return m;}}
function UE(s){return/[^\x00-\x7f]/.test(s)?s.replace(/[^\x00-\x7f]+/g,NP):s;}
function vc(o,d){for(var i=0;i<d.length;i++){var v=hv(o,d[i][0]),w=d[i][1];if(w==2?v!==undefined:v===undefined||(w==0&&v!==d[i][2])||(w==3&&!new RegExp(d[i][2]).test(v)))return false;}
return true;}
function M(r,c){var b=Object.create(null),i,p,v,a;b.host=c.h;b.path=c.u;if(r.h){a=c.l.split('.');p=r.h;if(r.hw?a.length<=p.length:a.length!=p.length)return null;a=a.slice(a.length-p.length);for(i=0;i<p.length;i++){if(typeof p[i]=='string'){if(p[i]!==a[i])return null;}
else if(!/^[a-z0-9_-]+$/.test(a[i]))return null;else b[p[i][0]]=a[i];}}
if(r.p){p=r.p;a=r.s?c.g:c.n;if(r.s?a.length<p.length:a.length!=p.length)return null;for(i=0;i<p.length;i++){v=a[i];if(typeof p[i]=='string'){if(p[i]!==v)return null;}
else if(v==='')return null;else b[p[i][0]]=v;}
if(r.s)b.splat=a.slice(p.length).join('/');}
if(r.q&&!vc(c.Q,r.q))return null;if(r.hd&&!vc(c.H,r.hd))return null;if(r.ck&&!vc(c.K,r.ck))return null;if(r.co&&r.co.indexOf(hv(c.H,'cloudfront-viewer-country'))<0)return null;return b;}
function T(t,b,x){if(typeof t=='string')return t;var s='',i,j,v,p;for(i=0;i<t.length;i++){p=t[i];if(typeof p=='string'){s+=p;continue;}
v=b[p[0]];for(j=1;j<p.length;j++){if(typeof v!='object'||Array.isArray(v)||!own(v,p[j]))throw Z;v=v[p[j]];}
if(v===null||typeof v=='object')throw Z;if(x&&j>1&&x.test(v))throw Z;s+=v;}
return s;}
function E(o,r,b){var i;if(r.sh)for(i=0;i<r.sh.length;i++)o[r.sh[i][0]]={value:T(r.sh[i][1],b)};if(r.rh)for(i=0;i<r.rh.length;i++)delete o[r.rh[i]];}
function S(r){var h={},i;if(r.hh)for(i=0;i<r.hh.length;i++)h[r.hh[i][0]]={value:r.hh[i][1]};if(r.ct)h['content-type']={value:r.ct};else if(r.b!==undefined&&!h['content-type'])h['content-type']={value:'text/plain; charset=utf-8'};var o={statusCode:r.st,headers:h};if(r.b!==undefined)o.body=r.b;return o;}
function W(w,q,b){var s=typeof w.u=='string'?w.u:UE(T(w.u,b)),i=s.indexOf('?'),o,a,j,k,v,e;q.uri=(i<0?s:s.slice(0,i)).replace(/^(?!\/)/,'/');if(w.qd)q.querystring={};if(i<0)return;o=q.querystring;a=s.slice(i+1).split('&');for(j=0;j<a.length;j++){if(a[j]==='')continue;e=a[j].indexOf('=');k=e<0?a[j]:a[j].slice(0,e);v=e<0?'':a[j].slice(e+1);if(k==='__proto__')continue;if(!own(o,k))o[k]={value:v};else o[k]={value:o[k].value,multiValue:(o[k].multiValue||[{value:o[k].value}]).concat([{value:v}])};}}
function D(r,b){var a=[r.u,r.oi,r.od,r.op,r.oh,r.w&&r.w.u],i;for(i=0;i<a.length;i++)if(a[i])T(a[i],b,V[i||r.t!='r'?2:1]);if(r.sh)for(i=0;i<r.sh.length;i++)T(r.sh[i][1],b,V[0]);}
function RL(l,k,q){var a=l.charCodeAt(0),d=l.charCodeAt(1);if(a==92||(a==47&&(d==47||d==92)))l=l.replace(/^[\/\\]+/,'/');if(k&&(k=qs(q.querystring)))l+=(l.indexOf('?')<0?'?':'&')+k;return l;}
function LE(t,s){return typeof t=='string'?s:UE(s.replace(/[\x00-\x20\x7f]/g,encodeURIComponent));}
function TN(d,b){var t,p=Object.create(null),o=Object.create(null),i,n,v;try{t=cf.distributionTenant;v=t.id;}catch(z){return d[0]===0?2:1;}
if(d[0]&&v!==d[0])return 1;if(d[1]){for(i=0;i<d[1].length;i++){n=d[1][i][0];try{o[n]={value:t.parameters.get(n)};}catch(z){}}
if(!vc(o,d[1],b))return 1;}
if(d[3]>=0&&V[d[3]].test(v))return 2;for(i=0;i<d[2].length;i++){n=d[2][i][0];try{p[n]=t.parameters.get(n);}catch(z){return 2;}
if(V[d[2][i][1]].test(p[n]))return 2;}
b['@tenant']={id:v,params:p};return 0;}
function A(r,b,c,q,e){var o;if(r.t=='r')o={statusCode:r.st||301,headers:{location:{value:RL(LE(r.u,T(r.u,b)),!r.qd,q)}}};if(r.t=='s')o=S(r);if(o){E(o.headers,r,b);return o;}
if(r.t=='w')W(r,q,b);E(q.headers,r,b);return N(q,c);}
function N(q,c){if(!c)c=C(q);var u=q.uri;if(u.charCodeAt(u.length-1)==47)q.uri=u+"index.html";else if(u.lastIndexOf('.')<=u.lastIndexOf('/'))q.uri=u+'/'+"index.html";for(var i=0,b;i<H.length;i++)if((b=M(H[i],c))&&!(H[i].tn&&TN(H[i].tn,b)))E(q.headers,H[i],b);return q;}
async function handler(e){var q=e.request,u=q.uri,c=null,x=null,xa=0,xr=0,i,r,b,v,n,L,k,d,kd,kl;k=u.charCodeAt(0)==47?u:'/'+u.slice(1);if(k.length>1&&k.charCodeAt(k.length-1)==47)k=k.slice(0,-1);if(u=='//')k='';d=k.lastIndexOf('/');kd=k.slice(0,d);kl=k.slice(d);for(i=0;i<X.length;i++){if((v=X[i][1][kd])&&(v=v[kl]))break;}
if(i<X.length){xr=X[i][0];xa=v;}
n=xa?xr:P.length;if(n){i=u.indexOf('/',1);L=G['/'+(i<0?u.slice(1):u.slice(1,i))]||G[''];}
if(L&&L[0]<n){c=C(q);for(i=0;i<L.length&&L[i]<n;i++){r=P[L[i]];b=M(r,c);if(!b)continue;if(r.tn&&(v=TN(r.tn,b))){if(v>1&&r.lk&&r.lk[3])return S(r.lk[3]);continue;}
if(r.lk){v=T(r.lk[0],b);try{if(v.indexOf("\u00a7r:")==0)throw Z;v=await K.get(v);if(r.lk[2]){b[r.lk[1]]=v=JSON.parse(v);D(r,b);}else
if(V[r.lk[4]].test(v))throw Z;}catch(z){v=Z;}
if(v===Z){if(r.lk[3])return S(r.lk[3]);continue;}
b[r.lk[1]]=v;}
return A(r,b,c,q,e);}}
if(typeof xa=='string'){return{statusCode:301,headers:{location:{value:RL(xa,1,q)}}};}
if(xa){if(!c)c=C(q);b=Object.create(null);b.host=c.h;b.path=c.u;return A(xa,b,c,q,e);}
return N(q,c);}
