/* A tiny SCORM 1.2 runtime client: find the LMS's API object in a parent
 * frame or the opener, report the lesson's status and score. */
var lesson = (function () {
  function findAPI(win) {
    for (var i = 0; win && i < 10; i++) {
      if (win.API) return win.API;
      if (win.parent === win) break;
      win = win.parent;
    }
    return null;
  }
  var api = findAPI(window) || (window.opener ? findAPI(window.opener) : null);
  return {
    start: function () {
      if (!api) return;
      api.LMSInitialize("");
      api.LMSSetValue("cmi.core.lesson_status", "incomplete");
    },
    answer: function () {
      var ok = /supervisor/i.test(document.getElementById("answer").value);
      document.getElementById("result").textContent = ok ? "Correct." : "Try again.";
      if (!api) return;
      api.LMSSetValue("cmi.core.score.raw", ok ? "100" : "0");
      api.LMSSetValue("cmi.core.lesson_status", ok ? "passed" : "failed");
      api.LMSCommit("");
    },
    finish: function () {
      if (api) api.LMSFinish("");
    }
  };
})();
