"""What the map adds to datasette-cluster-map: cluster numbers that count cables, a fit
that stays at a readable zoom.

datasette-cluster-map numbers a cluster by its markers, which are posts here, and
fits the map to its markers at any zoom: one country's map opened on one
enlarged tile. This script runs before Leaflet loads (Leaflet sets `window.L`, the
plugin then loads Leaflet.markercluster) and adjusts both as they arrive:

- each marker's title is its popup's description ("12 cables from Rabat, Morocco");
- a cluster's number is the sum of the cables of its markers, its title says how
  many posts it holds;
- fitBounds goes no closer than MAX_FIT_ZOOM (the base map's last native zoom).
"""
from __future__ import annotations

MAX_FIT_ZOOM = 6

SCRIPT = """
(function () {
  var MAX_FIT_ZOOM = %(zoom)d;
  function cablesOf(marker) {
    var m = /([0-9][0-9,]*) cables?/.exec(marker.options.title || "");
    return m ? parseInt(m[1].replace(/,/g, ""), 10) : 1;
  }
  function text(html) {
    var d = document.createElement("div"); d.innerHTML = html || "";
    var p = d.querySelector("p:not(:first-child)") || d;
    return (p.textContent || "").trim();
  }
  function patchCluster(L) {
    if (!L.MarkerClusterGroup || L.MarkerClusterGroup.__cables) return;
    L.MarkerClusterGroup.__cables = true;
    var original = L.markerClusterGroup;
    L.markerClusterGroup = function (options) {
      options = Object.assign({}, options || {});
      options.iconCreateFunction = function (cluster) {
        var markers = cluster.getAllChildMarkers();
        var cables = markers.reduce(function (n, m) { return n + cablesOf(m); }, 0);
        var size = cables < 100 ? "small" : cables < 1000 ? "medium" : "large";
        var title = cables.toLocaleString() + (cables === 1 ? " cable" : " cables") +
          " from " + markers.length + (markers.length === 1 ? " post" : " posts");
        return new L.DivIcon({
          html: '<div title="' + title + '" aria-label="' + title + '"><span>' + cables + "</span></div>",
          className: "marker-cluster marker-cluster-" + size, iconSize: new L.Point(40, 40)
        });
      };
      return original.call(this, options);
    };
  }
  function patchLeaflet(L) {
    if (L.__cableparse) return;
    L.__cableparse = true;
    var fit = L.Map.prototype.fitBounds;
    L.Map.prototype.fitBounds = function (bounds, options) {
      return fit.call(this, bounds, Object.assign({maxZoom: MAX_FIT_ZOOM, padding: [20, 20]}, options || {}));
    };
    var bind = L.Marker.prototype.bindPopup;
    L.Marker.prototype.bindPopup = function (content, options) {
      if (typeof content === "string" && !this.options.title) {
        this.options.title = text(content);
        this.options.alt = this.options.title;
      }
      return bind.call(this, content, options);
    };
    var value = L.markerClusterGroup;
    Object.defineProperty(L, "markerClusterGroup", {
      configurable: true,
      get: function () { return value; },
      set: function (v) { value = v; Object.defineProperty(L, "markerClusterGroup", {value: v, writable: true, configurable: true}); patchCluster(L); }
    });
    if (value) patchCluster(L);
  }
  if (window.L) { patchLeaflet(window.L); return; }
  var current;
  Object.defineProperty(window, "L", {
    configurable: true,
    get: function () { return current; },
    set: function (v) { current = v; if (v && v.Map) patchLeaflet(v); }
  });
})();
""" % {"zoom": MAX_FIT_ZOOM}
