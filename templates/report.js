// The report's player (report.py): captions, click to play from a shot, the playing shot highlighted, timecode.
// Inline and self-contained, so the page works offline and from file://. The template includes this file through
// jinja2: no jinja2 delimiters (a brace followed by a brace, a percent sign or a hash) in it.
(() => {
  "use strict";
  const video = document.getElementById("film");
  if (!video) return;
  const fps = Number(video.dataset.fps), rate = Math.max(1, Math.round(fps));
  const player = document.getElementById("player"), track = video.querySelector("track");

  // Timecode as report.py writes it: HH:MM:SS:FF, FF the frames within the second (non-drop).
  const two = (n) => String(n).padStart(2, "0");
  function timecode(frame) {
    const seconds = Math.floor(frame / rate);
    return [Math.floor(seconds / 3600), Math.floor(seconds / 60) % 60, seconds % 60, frame % rate].map(two).join(":");
  }
  // the frame on screen at a time (a little slack: a seek to frame n lands at n / fps, a hair either side)
  const frameAt = (seconds) => Math.max(0, Math.floor(seconds * fps + 1e-3));

  // Captions: from a page opened as a file, Chromium will not fetch film.vtt beside it (file: URLs are unique
  // origins), so the same cues, carried in the page, load from a data: URL instead; and so they do wherever
  // film.vtt fails to load (a page mailed alone).
  const carried = document.getElementById("captions");
  function carriedCaptions() {
    const text = carried ? JSON.parse(carried.textContent) : "";
    if (track && text && !track.src.startsWith("data:")) {
      track.src = "data:text/vtt;charset=utf-8," + encodeURIComponent(text);
    }
  }
  if (track) {
    track.addEventListener("error", carriedCaptions);
    if (location.protocol === "file:" || track.readyState === 3) carriedCaptions();  // 3: HTMLTrackElement.ERROR
    // shown unless the picture already carries the lines (burned in): then loaded but hidden, the CC button shows them
    if (video.textTracks[0]) video.textTracks[0].mode = track.default ? "showing" : "hidden";
  }

  // The shots in film order, each with where it starts and ends (film frames, the end exclusive).
  const shots = Array.from(document.querySelectorAll("section.shot .strip[data-seek]")).map((strip) => ({
    el: strip.closest("section.shot"), in: Number(strip.dataset.seek), out: Number(strip.dataset.out),
    id: strip.dataset.shot, scene: strip.dataset.scene,
  }));
  const sceneRows = new Map(Array.from(document.querySelectorAll("tr[data-scene]"), (tr) => [tr.dataset.scene, tr]));
  const cuts = new Map(Array.from(document.querySelectorAll("svg .cut[data-shot]"), (g) => [g.dataset.shot, g]));
  function shotAt(frame) {  // the last shot starting at or before `frame`
    let low = 0, high = shots.length - 1, found = -1;
    while (low <= high) {
      const mid = (low + high) >> 1;
      if (shots[mid].in <= frame) { found = mid; low = mid + 1; } else { high = mid - 1; }
    }
    return found >= 0 ? shots[found] : null;
  }

  const readout = { tc: document.getElementById("now-tc"), shot: document.getElementById("now-shot"),
                    scene: document.getElementById("now-scene"), follow: document.getElementById("follow") };
  const plot = document.getElementById("plot"), playhead = document.getElementById("playhead");
  let current = null, engaged = false;  // nothing is highlighted until the film has been played or sought
  function show() {
    const frame = frameAt(video.currentTime), shot = engaged ? shotAt(frame) : null;
    if (readout.tc) readout.tc.textContent = timecode(frame);
    if (plot && playhead && engaged) {
      const x = Number(plot.dataset.left) + Number(plot.dataset.innerWidth) *
        Math.min(1, video.currentTime / Math.max(Number(plot.dataset.seconds), 1e-9));
      playhead.setAttribute("x1", x); playhead.setAttribute("x2", x); playhead.setAttribute("visibility", "visible");
    }
    if (shot === current) return;
    for (const el of document.querySelectorAll(".current")) el.classList.remove("current");
    current = shot;
    if (!shot) return;
    for (const part of shots) if (part.id === shot.id) part.el.classList.add("current");  // every part of a split shot
    sceneRows.get(shot.scene)?.classList.add("current");
    cuts.get(shot.id)?.classList.add("current");
    if (readout.shot) { readout.shot.textContent = shot.id; readout.shot.href = "#" + shot.el.id; }
    const heading = sceneRows.get(shot.scene);
    if (readout.scene && heading) {
      readout.scene.textContent = heading.cells[0].textContent + " " + heading.cells[1].textContent;
      readout.scene.href = "#" + shot.scene;
    }
    if (readout.follow?.checked && !video.paused) shot.el.scrollIntoView({ block: "nearest", behavior: "smooth" });
  }
  let ticking = false;
  function tick() {  // every painted frame while playing; timeupdate alone comes four times a second
    show();
    if (!video.paused && !video.ended) requestAnimationFrame(tick); else ticking = false;
  }
  video.addEventListener("play", () => {
    engaged = true;
    if (!ticking) { ticking = true; requestAnimationFrame(tick); }
  });
  video.addEventListener("seeking", () => { engaged = true; });
  for (const type of ["timeupdate", "seeked", "loadedmetadata"]) video.addEventListener(type, show);

  // A click on anything with data-seek (a shot's strip or timecode, a scene's in point, a line, a shot in the
  // plot) plays the film from that frame.
  function seek(frame) {
    video.currentTime = frame / fps;
    const playing = video.play();
    if (playing) playing.catch(() => {});  // a browser that refuses to play still shows the frame
  }
  document.addEventListener("click", (event) => {
    const target = event.target.closest("[data-seek]");
    if (!target || event.button !== 0 || event.ctrlKey || event.metaKey || event.shiftKey) return;
    event.preventDefault();
    seek(Number(target.dataset.seek));
  });

  // Scrolled away from the player while the film has been playing: the picture docks in a corner.
  let started = false, inView = true;
  const dock = () => player.classList.toggle("docked", started && !inView);
  video.addEventListener("play", () => { started = true; dock(); });
  if ("IntersectionObserver" in window) {
    new IntersectionObserver(([entry]) => { inView = entry.isIntersecting; dock(); })
      .observe(player.querySelector(".screen"));
  }
  show();
})();
