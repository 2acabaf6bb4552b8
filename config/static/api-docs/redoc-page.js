// Redoc on the API docs page (templates/drf_spectacular/redoc.html) under the site's Content-Security-Policy, with no
// inline script: loaded before Redoc's bundle, it prepares the page, then starts Redoc once the bundle has loaded.
"use strict";

(function () {
  const container = document.getElementById("redoc-container");
  const nonce = container.dataset.nonce;

  // Redoc's bundle adds <style> elements as it loads and as it renders; style-src allows them with this response's
  // nonce (config/middleware.py), which the bundle cannot be given before it loads.
  const appendChild = Node.prototype.appendChild;
  const insertBefore = Node.prototype.insertBefore;
  const stamp = (node) => {
    if (node instanceof HTMLStyleElement && !node.nonce) node.nonce = nonce;
    return node;
  };
  Node.prototype.appendChild = function (node) {
    return appendChild.call(this, stamp(node));
  };
  Node.prototype.insertBefore = function (node, child) {
    return insertBefore.call(this, stamp(node), child);
  };

  // Its side menu shows a logo from cdn.redoc.ly, which img-src refuses. That <img> never gets the address: it
  // reports an error instead, and Redoc's own error handler then leaves the logo out.
  const elsewhere = (value) => String(value).startsWith("https://cdn.redoc.ly/");
  const refuse = (image) => setTimeout(() => image.dispatchEvent(new Event("error")));
  const setAttribute = Element.prototype.setAttribute;
  Element.prototype.setAttribute = function (name, value) {
    if (this instanceof HTMLImageElement && name === "src" && elsewhere(value)) return refuse(this);
    return setAttribute.call(this, name, value);
  };
  const src = Object.getOwnPropertyDescriptor(HTMLImageElement.prototype, "src");
  Object.defineProperty(HTMLImageElement.prototype, "src", {
    ...src,
    set(value) {
      if (elsewhere(value)) return refuse(this);
      return src.set.call(this, value);
    },
  });

  document.addEventListener("DOMContentLoaded", () => {
    const settings = document.getElementById("redoc-settings");
    const options = settings ? JSON.parse(JSON.parse(settings.textContent)) : {};
    Redoc.init(container.dataset.schemaUrl, { ...options, nonce }, container);
  });
})();
