// The LIFF SDK as the page's global `liff` (what LINE's own CDN build gives), bundled by esbuild.
import liff from "@line/liff";
window.liff = liff;
