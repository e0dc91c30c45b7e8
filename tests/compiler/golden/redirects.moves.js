// cfroutes 0.1.0 moves input-sha256:28f205b9c5def999
var P=[{p:["blog"],s:1,t:"r",u:["https://blog.example.com/",["splat"]]}];var G={"/blog":[0]};var X=[[0,{"/old":{"/getting-started":"/docs/`","/installation":"/docs/`"},"":{"/pricing.html":{t:"r",u:"/pricing",st:302}}}]];var B="`";var Z={};function own(o,k){return o!=null&&Object.prototype.hasOwnProperty.call(o,k);}
function hv(o,k){return own(o,k)?o[k].value:undefined;}
function qs(o){var a='',n=0,k,m,j;for(k in o){m=o[k].multiValue;if(m&&m.length){for(j=0;j<m.length;j++)a+=(n++?'&':'')+(m[j].value===''?k:k+'='+m[j].value);}
else a+=(n++?'&':'')+(o[k].value===''?k:k+'='+o[k].value);}
return a;}
function C(q){var u=q.uri,s=u.slice(1),g=s===''?[]:s.split('/'),n=g,t=0,h=hv(q.headers,'host')||'';if(g.length&&g[g.length-1]===''){n=g.slice(0,-1);t=1;}
return{u:u,g:g,n:n,t:t,h:h};}
function NP(m){if(m.charCodeAt(0)==37)return m.toUpperCase();try{return encodeURIComponent(m);}catch(z){return m;}}
function UE(s){return/[^\x00-\x7f]/.test(s)?s.replace(/[^\x00-\x7f]+/g,NP):s;}
function M(r,c){var b=Object.create(null),i,p,v,a;b.host=c.h;b.path=c.u;if(r.p){p=r.p;a=r.s?c.g:c.n;if(r.s?a.length<p.length:a.length!=p.length)return null;for(i=0;i<p.length;i++){v=a[i];if(typeof p[i]=='string'){if(p[i]!==v)return null;}
else if(v==='')return null;else b[p[i][0]]=v;}
if(r.s)b.splat=a.slice(p.length).join('/');}
return b;}
function T(t,b){if(typeof t=='string')return t;var s='',i,j,v,p;for(i=0;i<t.length;i++){p=t[i];if(typeof p=='string'){s+=p;continue;}
v=b[p[0]];for(j=1;j<p.length;j++){if(typeof v!='object'||Array.isArray(v)||!own(v,p[j]))throw Z;v=v[p[j]];}
if(v===null||typeof v=='object')throw Z;s+=v;}
return s;}
function RL(l,k,q){var a=l.charCodeAt(0),d=l.charCodeAt(1);if(a==92||(a==47&&(d==47||d==92)))l=l.replace(/^[\/\\]+/,'/');if(k&&(k=qs(q.querystring)))l+=(l.indexOf('?')<0?'?':'&')+k;return l;}
function LE(t,s){return typeof t=='string'?s:UE(s.replace(/[\x00-\x20\x7f]/g,encodeURIComponent));}
function A(r,b,c,q,e){var o;if(r.t=='r')o={statusCode:r.st||301,headers:{location:{value:RL(LE(r.u,T(r.u,b)),!r.qd,q)}}};if(o){return o;}
return N(q,c);}
function N(q,c){return q;}
function handler(e){var q=e.request,u=q.uri,c=null,x=null,xa=0,xr=0,i,r,b,v,n,L,k,d,kd,kl;k=u.charCodeAt(0)==47?u:'/'+u.slice(1);if(k.length>1&&k.charCodeAt(k.length-1)==47)k=k.slice(0,-1);if(u=='//')k='';d=k.lastIndexOf('/');kd=k.slice(0,d);kl=k.slice(d);for(i=0;i<X.length;i++){if((v=X[i][1][kd])&&(v=v[kl]))break;}
if(i<X.length){xr=X[i][0];xa=v;}
n=xa?xr:P.length;if(n){i=u.indexOf('/',1);L=G['/'+(i<0?u.slice(1):u.slice(1,i))]||G[''];}
if(L&&L[0]<n){c=C(q);for(i=0;i<L.length&&L[i]<n;i++){r=P[L[i]];b=M(r,c);if(!b)continue;return A(r,b,c,q,e);}}
if(typeof xa=='string'){for(i=xa.indexOf(B),v=kl.slice(1);i>=0;i=xa.indexOf(B,i+v.length))xa=xa.slice(0,i)+v+xa.slice(i+1);return{statusCode:301,headers:{location:{value:RL(xa,1,q)}}};}
if(xa){if(!c)c=C(q);b=Object.create(null);b.host=c.h;b.path=c.u;return A(xa,b,c,q,e);}
return N(q,c);}
