// Map of the /find/ results, drawn from the JSON the page embeds. The results list stays
// the primary view; the map only adds a picture of where the offices are. Offices that share
// one spot (often a ZIP code's centre) get one marker with their count and names; when the
// map's tiles cannot load, the map says so in words instead of staying a grey box.
(function () {
  "use strict";
  var container = document.getElementById("results-map");
  var spotsTag = document.getElementById("map-points");
  var configTag = document.getElementById("map-config");
  var messagesTag = document.getElementById("finder-messages");
  if (!container || !spotsTag || !configTag || !messagesTag || typeof L === "undefined") {
    return;
  }
  var spots = JSON.parse(spotsTag.textContent);
  var config = JSON.parse(configTag.textContent);
  var messages = JSON.parse(messagesTag.textContent);
  if (!spots.length) {
    return;
  }
  container.hidden = false;
  // Leaflet's default marker, with image URLs from the page (they may carry hashed names).
  var icon = new L.Icon(Object.assign({}, L.Icon.Default.prototype.options, config.icons));

  var map = L.map(container, { scrollWheelZoom: false });
  var tiles = L.tileLayer(config.tileUrl, {
    maxZoom: 18,
    attribution: '&copy; <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a> contributors',
  }).addTo(map);

  function sayMapFailed() {
    if (document.getElementById("map-status")) {
      return;
    }
    var status = document.createElement("p");
    status.id = "map-status";
    status.className = "map-status";
    status.setAttribute("role", "status");
    status.textContent = messages.mapFailed;
    container.parentNode.insertBefore(status, container);
    // Markers on an empty grey box tell nothing the list does not: the list stays the view.
    container.hidden = true;
  }
  tiles.on("tileerror", sayMapFailed);

  function doctorLine(doctor) {
    return doctor.rank + ". " + doctor.name + ", " + doctor.address;
  }

  function popupContent(spot) {
    // Built from DOM nodes so names and addresses are never parsed as HTML.
    var wrapper = document.createElement("div");
    var list = document.createElement("ul");
    list.className = "map-popup-list";
    spot.doctors.forEach(function (doctor) {
      var item = document.createElement("li");
      var link = document.createElement("a");
      link.href = doctor.url;
      link.textContent = doctor.rank + ". " + doctor.name;
      var address = document.createElement("div");
      address.textContent = doctor.address;
      item.appendChild(link);
      item.appendChild(address);
      list.appendChild(item);
    });
    wrapper.appendChild(list);
    return wrapper;
  }

  function markerFor(spot) {
    var count = spot.doctors.length;
    if (count === 1) {
      var label = doctorLine(spot.doctors[0]);
      return L.marker([spot.lat, spot.lng], { icon: icon, title: label, alt: label });
    }
    var title = messages.doctorsHere.replace("%(count)s", count) + ": " + spot.doctors.map(doctorLine).join("; ");
    var group = L.divIcon({ className: "map-group-marker", html: "", iconSize: [34, 34] });
    var marker = L.marker([spot.lat, spot.lng], { icon: group, title: title, alt: title });
    marker.on("add", function () {
      // The count is set as text, never as HTML.
      marker.getElement().textContent = String(count);
    });
    return marker;
  }

  var bounds = [];
  spots.forEach(function (spot) {
    markerFor(spot).addTo(map).bindPopup(popupContent(spot));
    bounds.push([spot.lat, spot.lng]);
  });
  if (config.origin) {
    L.circleMarker([config.origin.lat, config.origin.lng], { radius: 7, weight: 3 })
      .addTo(map)
      .bindTooltip(messages.searchingFrom.replace("%(place)s", config.origin.label));
    bounds.push([config.origin.lat, config.origin.lng]);
  }
  map.fitBounds(bounds, { padding: [30, 30], maxZoom: 13 });
})();
