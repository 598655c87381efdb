// Prepare the page for the ipywidgets html-manager bundle (embed-amd.js), which is
// loaded right after this file from the same folder, after require.js.
(function () {
  "use strict";
  var script = document.currentScript;
  if (!script) {
    return;
  }
  // The folder holding this file, embed-amd.js and the bundle's icon fonts.
  var folder = script.src.replace(/[?#].*$/, "").replace(/[^/]*$/, "");

  // The bundle's AMD modules work out where their fonts are from their module URL,
  // which require.js would otherwise place next to the page. Point them at this folder.
  window.__jupyter_widgets_assets_path__ = folder;
  if (window.requirejs) {
    window.requirejs.config({
      paths: {
        "@jupyter-widgets/html-manager/dist": folder.replace(/\/$/, ""),
        "@jupyter-widgets": folder.replace(/\/$/, ""),
        // anywidget's front end (vendor_assets.py copies it to _static/anywidget/), for
        // widgets whose model module is "anywidget": the playground.
        anywidget: folder + "../anywidget/index",
      },
    });
  }

  // The theme's Font Awesome script replaces every <i class="fa ..."> with an <svg>, but
  // the Play widget switches between its play and pause icons by changing the class of
  // the <i> it made, which is gone by then: it throws, and the frame stops following
  // the controls. Give it a method that puts in a fresh <i> instead (which Font Awesome
  // then replaces as usual). embed-amd.js, loaded next, defines the module; asking for
  // it before that script has run would make require.js fetch it from the server.
  function patchPlay() {
    if (!window.requirejs) {
      return;
    }
    window.requirejs(["@jupyter-widgets/controls"], function (controls) {
      var play = controls.PlayView && controls.PlayView.prototype;
      if (!play) {
        return;
      }
      play.updatePlaying = function () {
        var icon = document.createElement("i");
        icon.className = this.model.get("playing") ? "fa fa-pause" : "fa fa-play";
        this.playPauseButton.replaceChildren(icon);
      };
    });
  }

  // Widget labels are typeset through the MathJax 2 call MathJax.Hub.Queue; the book
  // uses MathJax 3, so translate that call into MathJax 3's typesetPromise.
  function mathjax2Shim() {
    var mathjax = window.MathJax;
    if (!mathjax || mathjax.Hub || !mathjax.startup) {
      return;
    }
    mathjax.Hub = {
      Queue: function (job) {
        var element = Array.isArray(job) ? job[2] : null;
        if (element) {
          mathjax.startup.promise.then(function () {
            return mathjax.typesetPromise([element]);
          });
        }
      },
    };
  }
  // MathJax is a deferred script: it has run by DOMContentLoaded, and this listener is
  // registered before the widget manager's, so the shim exists before any widget renders.
  document.addEventListener("DOMContentLoaded", mathjax2Shim);
  document.addEventListener("DOMContentLoaded", patchPlay);
})();
