// Accessible names for controls whose markup the book does not write itself: the
// theme's search and colour-mode buttons, and the ipywidgets bundle's sliders and Play
// buttons; and alt text for the frames of the widgets, which the bundle draws without
// the "alt" that nnkit stores with each frame (the image's metadata in the saved state). Linked from every page by tools/sphinx_ext/book_assets.py. The widgets are
// rendered after the page has loaded (and Font Awesome swaps icons later still), so the
// fixes run again whenever the page's content changes.
(function () {
  "use strict";

  var counter = 0;
  function idFor(element) {
    if (!element.id) {
      counter += 1;
      element.id = "nnkit-label-" + counter;
    }
    return element.id;
  }

  function text(element) {
    return element ? element.textContent.replace(/\s+/g, " ").trim() : "";
  }

  // The search buttons show the word "Search" and a shortcut; an aria-label of just
  // "Search" would hide the shortcut from speech users, so the visible text names them.
  // The colour-mode button's icons carry titles ("Light", "Dark") that are not its
  // name ("Color mode"); they are decoration for a named button.
  function fixTheme(root) {
    root.querySelectorAll(".search-button-field[aria-label]").forEach(function (button) {
      button.removeAttribute("aria-label");
    });
    root.querySelectorAll(".theme-switch-button svg, .theme-switch-button i").forEach(function (icon) {
      if (icon.getAttribute("aria-hidden") !== "true") {
        icon.setAttribute("aria-hidden", "true");
      }
      icon.removeAttribute("aria-labelledby");
      icon.querySelectorAll("title").forEach(function (title) {
        title.remove();
      });
    });
  }

  // A slider's handle (role="slider") is named by the slider's visible label.
  function fixSliders(root) {
    root.querySelectorAll(".widget-slider").forEach(function (slider) {
      var label = slider.querySelector(".widget-label");
      if (label && label.getAttribute("title") === "null") {
        label.removeAttribute("title"); // the bundle's tooltip for "no description"
      }
      if (!text(label)) {
        return;
      }
      slider.querySelectorAll('[role="slider"]:not([aria-labelledby])').forEach(function (handle) {
        handle.setAttribute("aria-labelledby", idFor(label));
      });
    });
  }

  // Play widgets: icon-only buttons (play/pause, stop, repeat). They are named after
  // the slider beside them ("Play epoch"); the first button's name follows its icon.
  function fixPlay(root) {
    root.querySelectorAll(".widget-play").forEach(function (play) {
      var row = play.parentElement;
      var label = row ? row.querySelector(".widget-slider .widget-label") : null;
      var what = text(label) || "animation";
      var buttons = play.querySelectorAll("button");
      if (buttons.length < 3) {
        return;
      }
      var pausing = buttons[0].querySelector('[data-icon="pause"], .fa-pause') !== null;
      var names = [(pausing ? "Pause " : "Play ") + what, "Stop " + what, "Repeat " + what];
      names.forEach(function (name, i) {
        if (buttons[i].getAttribute("aria-label") !== name) {
          buttons[i].setAttribute("aria-label", name);
          buttons[i].setAttribute("title", name);
        }
      });
      var repeating = buttons[2].classList.contains("mod-active") ? "true" : "false";
      if (buttons[2].getAttribute("aria-pressed") !== repeating) {
        buttons[2].setAttribute("aria-pressed", repeating);
      }
    });
  }

  // Frame PNG (base64, as in the <img> src) -> its alt text, from the saved widget state.
  var frameAlts = null;
  function readFrameAlts() {
    var alts = new Map();
    document.querySelectorAll('script[type="application/vnd.jupyter.widget-state+json"]')
      .forEach(function (script) {
        var models = (JSON.parse(script.textContent) || {}).state || {};
        Object.keys(models).forEach(function (id) {
          var outputs = (models[id].state || {}).outputs || [];
          outputs.forEach(function (output) {
            var png = output.data && output.data["image/png"];
            var meta = output.metadata && output.metadata["image/png"];
            if (typeof png === "string" && meta && meta.alt) {
              alts.set(png.replace(/\s/g, ""), meta.alt);
            }
          });
        });
      });
    return alts;
  }

  function fixFrames(root) {
    var images = root.querySelectorAll('.widget-output img[src^="data:image/png;base64,"]:not([alt])');
    if (!images.length) {
      return;
    }
    frameAlts = frameAlts || readFrameAlts();
    images.forEach(function (image) {
      var alt = frameAlts.get(image.getAttribute("src").slice("data:image/png;base64,".length));
      if (alt) {
        image.setAttribute("alt", alt);
      }
    });
  }

  function fixAll() {
    fixTheme(document);
    fixSliders(document);
    fixPlay(document);
    fixFrames(document);
  }

  var scheduled = false;
  function schedule() {
    if (!scheduled) {
      scheduled = true;
      window.requestAnimationFrame(function () {
        scheduled = false;
        fixAll();
      });
    }
  }

  document.addEventListener("DOMContentLoaded", function () {
    fixAll();
    new MutationObserver(schedule).observe(document.body, {
      childList: true,
      subtree: true,
      attributes: true,
      attributeFilter: ["class", "data-icon"],
    });
  });
})();
