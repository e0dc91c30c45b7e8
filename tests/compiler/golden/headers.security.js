// cfroutes 0.1.0 security input-sha256:783727f7b9e0e95c
var H=[{p:[],s:1,sh:[["x-content-type-options","nosniff"],["x-frame-options","DENY"]],rh:["x-powered-by"]},{p:["assets"],s:1,sh:[["cache-control","public, max-age=31536000, immutable"]],ss:[200]}];var Z={};function own(o,k){return o!=null&&Object.prototype.hasOwnProperty.call(o,k);}
function hv(o,k){return own(o,k)?o[k].value:undefined;}
function qs(o){var a='',n=0,k,m,j;for(k in o){m=o[k].multiValue;if(m&&m.length){for(j=0;j<m.length;j++)a+=(n++?'&':'')+(m[j].value===''?k:k+'='+m[j].value);}
else a+=(n++?'&':'')+(o[k].value===''?k:k+'='+o[k].value);}
return a;}
function C(q){var u=q.uri,s=u.slice(1),g=s===''?[]:s.split('/'),n=g,t=0,h=hv(q.headers,'host')||'';if(g.length&&g[g.length-1]===''){n=g.slice(0,-1);t=1;}
return{u:u,g:g,n:n,t:t,h:h};}
function M(r,c){var b=Object.create(null),i,p,v,a;b.host=c.h;b.path=c.u;if(r.p){p=r.p;a=r.s?c.g:c.n;if(r.s?a.length<p.length:a.length!=p.length)return null;for(i=0;i<p.length;i++){v=a[i];if(typeof p[i]=='string'){if(p[i]!==v)return null;}
else if(v==='')return null;else b[p[i][0]]=v;}
if(r.s)b.splat=a.slice(p.length).join('/');}
return b;}
function T(t,b){if(typeof t=='string')return t;var s='',i,j,v,p;for(i=0;i<t.length;i++){p=t[i];if(typeof p=='string'){s+=p;continue;}
v=b[p[0]];for(j=1;j<p.length;j++){if(typeof v!='object'||Array.isArray(v)||!own(v,p[j]))throw Z;v=v[p[j]];}
if(v===null||typeof v=='object')throw Z;s+=v;}
return s;}
function E(o,r,b){var i;if(r.sh)for(i=0;i<r.sh.length;i++)o[r.sh[i][0]]={value:T(r.sh[i][1],b)};if(r.rh)for(i=0;i<r.rh.length;i++)delete o[r.rh[i]];}
function R(o,e){var c=C(e.request),i,b;for(i=0;i<H.length;i++)if((!H[i].ss||H[i].ss.indexOf(o.statusCode)>=0)&&(b=M(H[i],c)))E(o.headers,H[i],b);return o;}
function N(q,c){return q;}
function handler(e){var q=e.request,u=q.uri,c=null,x=null,xa=0,xr=0,i,r,b,v,n,L,k,d,kd,kl;return R(e.response,e);}
