// "Use my location" on /find/: fills the Near field with the browser's position and searches.
// Progressive enhancement: the button stays hidden unless the browser can locate the user.
(function () {
  "use strict";
  var button = document.getElementById("use-my-location");
  var near = document.getElementById("id_near");
  var status = document.getElementById("location-status");
  var messagesTag = document.getElementById("finder-messages");
  if (!button || !near || !messagesTag || !("geolocation" in navigator)) {
    return;
  }
  // The words come from the page, in its language.
  var messages = JSON.parse(messagesTag.textContent);
  button.hidden = false;
  button.addEventListener("click", function () {
    status.textContent = messages.locating;
    button.disabled = true;
    navigator.geolocation.getCurrentPosition(
      function (position) {
        // Two decimals (about 1 km) are plenty for a search and keep the exact spot private.
        near.value = position.coords.latitude.toFixed(2) + "," + position.coords.longitude.toFixed(2);
        status.textContent = messages.located;
        near.form.submit();
      },
      function () {
        button.disabled = false;
        status.textContent = messages.notLocated;
        near.focus();
      },
      { timeout: 10000, maximumAge: 600000 }
    );
  });
})();
