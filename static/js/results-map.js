// Map of the /find/ results, drawn from the JSON the page embeds. The results list stays
// the primary view; the map only adds a picture of where the offices are.
(function () {
  "use strict";
  var container = document.getElementById("results-map");
  var pointsTag = document.getElementById("map-points");
  var configTag = document.getElementById("map-config");
  if (!container || !pointsTag || !configTag || typeof L === "undefined") {
    return;
  }
  var points = JSON.parse(pointsTag.textContent);
  var config = JSON.parse(configTag.textContent);
  if (!points.length) {
    return;
  }
  container.hidden = false;
  // Leaflet's default marker, with image URLs from the page (they may carry hashed names).
  var icon = new L.Icon(Object.assign({}, L.Icon.Default.prototype.options, config.icons));

  var map = L.map(container, { scrollWheelZoom: false });
  L.tileLayer(config.tileUrl, {
    maxZoom: 18,
    attribution: '&copy; <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a> contributors',
  }).addTo(map);

  function popupContent(point) {
    // Built from DOM nodes so names and addresses are never parsed as HTML.
    var wrapper = document.createElement("div");
    var link = document.createElement("a");
    link.href = point.url;
    link.textContent = point.rank + ". " + point.name;
    var address = document.createElement("div");
    address.textContent = point.address;
    wrapper.appendChild(link);
    wrapper.appendChild(address);
    return wrapper;
  }

  var bounds = [];
  points.forEach(function (point) {
    var label = point.rank + ". " + point.name + ", " + point.address;
    L.marker([point.lat, point.lng], { icon: icon, title: label, alt: label }).addTo(map).bindPopup(popupContent(point));
    bounds.push([point.lat, point.lng]);
  });
  if (config.origin) {
    L.circleMarker([config.origin.lat, config.origin.lng], { radius: 7, weight: 3 })
      .addTo(map)
      .bindTooltip("Searching from " + config.origin.label);
    bounds.push([config.origin.lat, config.origin.lng]);
  }
  map.fitBounds(bounds, { padding: [30, 30], maxZoom: 13 });
})();
