// "Use my location" on /find/: fills the Near field with the browser's position and searches.
// Progressive enhancement: the button stays hidden unless the browser can locate the user.
(function () {
  "use strict";
  var button = document.getElementById("use-my-location");
  var near = document.getElementById("id_near");
  var status = document.getElementById("location-status");
  if (!button || !near || !("geolocation" in navigator)) {
    return;
  }
  button.hidden = false;
  button.addEventListener("click", function () {
    status.textContent = "Finding your location…";
    button.disabled = true;
    navigator.geolocation.getCurrentPosition(
      function (position) {
        // Two decimals (about 1 km) are plenty for a search and keep the exact spot private.
        near.value = position.coords.latitude.toFixed(2) + "," + position.coords.longitude.toFixed(2);
        status.textContent = "Location found. Searching near you…";
        near.form.submit();
      },
      function () {
        button.disabled = false;
        status.textContent = "We could not get your location. Type a ZIP code or a city and state instead.";
        near.focus();
      },
      { timeout: 10000, maximumAge: 600000 }
    );
  });
})();
