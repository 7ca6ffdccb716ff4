// The report tabs scroll sideways on a phone: the current one is brought into view,
// centred where it can be, so "what-if" (the last tab) is not off the right edge.
(function () {
  var nav = document.currentScript && document.currentScript.previousElementSibling;
  if (!nav || nav.scrollWidth <= nav.clientWidth) return;
  var current = nav.querySelector('[aria-current="page"]');
  if (!current) return;
  var box = nav.getBoundingClientRect();
  var tab = current.getBoundingClientRect();
  nav.scrollLeft += tab.left - box.left - (box.width - tab.width) / 2;
})();
