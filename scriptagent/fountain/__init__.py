"""Fountain screenplays (https://fountain.io) as scenes: `dialogue_file: film.fountain` in production.yaml, and
`scriptagent new NAME --from film.fountain`.

screenplain classifies each paragraph (scene heading, dialogue, dual dialogue, transition, action); everything
around it is done here, with the line of the screenplay kept for every item so that a problem names it:

- Boneyard `/* ... */` and notes `[[ ... ]]` are removed before parsing, keeping the line numbers; a line that held
  nothing else is dropped (it does not split its paragraph). Lines starting with `#` (sections) or `=` (synopses,
  page breaks `===`) are dropped too. Emphasis (`*`, `**`, `_`) is removed from every text.
- Each scene heading (INT./EXT./INT./EXT./I/E/EST, forced `.HEADING`) starts a scene: `heading` as written (scene
  number and emphasis removed), `id` a slug of its place (the heading without the INT./EXT. prefix and the time of
  day: `INT. SCOTT'S APARTMENT - NIGHT` -> `scotts-apartment`), made unique by `-2`, `-3`... in order.
- A slugline that only returns to a place (`.BACK IN THE APARTMENT`, `BACK AT THE CAFE`, `BACK TO SCENE`, `LATER`,
  `MOMENTS LATER`, `CONTINUOUS`, `SAME TIME`, forced or a line of capitals on its own) starts a new scene whose
  `heading` repeats the heading of that place (the latest scene whose place holds the words after BACK IN/AT/TO;
  the current place for LATER and the like; the place before it for BACK TO SCENE), so that a renderer draws the
  same set; its id is that place's, numbered (`scotts-apartment-2`). A BACK ... naming no place seen is a heading.
- The opening action of a scene (the paragraphs before its first line of dialogue, up to about 300 characters)
  is its `description`; the rest of the action are `action:` beats in `body`, one per paragraph. A scene with no
  line and no other action has its description as its body instead (a body is never empty); a heading with
  nothing under it makes no scene (its transition goes on to the next).
- `present`: the characters named in the action before the scene's first line of dialogue (`EDIE` or `Edie`),
  except those heard through a device or off screen (their first line there is (O.S.), (ON PHONE), ...) or named
  as being on the other end of a call; everyone else enters with their first on-screen line, or with the action
  that brings them in (a name in capitals, or a name with enters / walks in / arrives ...).
- Dialogue: `speaker: "(parenthetical) line"` when seen; `{speaker, line, parenthetical, off_screen: true}` when
  heard, not seen: (V.O.), (O.S.), (O.C.), (PRE-LAP), voices through a phone / radio / TV / intercom ((ON PHONE),
  (ON TV), (FILTERED), ...; (INTO PHONE) is on screen), and, for the rest of the scene, a character established
  as on the other end of a call ((ON PHONE) once, or action such as `Scott dials NAK.` or `... on the other end`)
  until an action brings them in. (CONT'D) and other extensions are dropped; the id never includes them. A
  speaker whose id is a key of the body items (action, transition, speaker, ...) is always written in the long form.
- INTERCUT (`INTERCUT WITH:`, `INTERCUT - A / B`, `INTERCUT BETWEEN A AND B`; without places: the last two places)
  makes the lines until the next scene heading or END INTERCUT alternating scenes, one per turn, each in the place
  of its speaker (the place where they were last seen; else the other side of the place they were heard in on
  the phone; else the place nobody else took) with `heading` that place's heading, `present` the speaker and the
  other side off screen (not there); ids `<place>-intercut-1`, `-2`... counted per place (`scotts-apartment-
  intercut-1`, `naks-boat-intercut-1`, `scotts-apartment-intercut-2`, ...). Action naming only the people of one
  place goes to that place; other action stays in the turn it follows; (V.O.), (O.S.) and TV voices are off
  screen in the current turn. After END INTERCUT a new scene begins where the first character named or speaking
  was (else at the last turn's place).
- Transitions set how the next shot begins: a `transition:` beat placed right before what follows it (at the
  start of the next scene's body when a heading follows): CUT TO: / SMASH CUT TO: / any other ... TO: -> cut,
  DISSOLVE TO: -> dissolve, FADE IN: / FADE OUT. / FADE TO BLACK. -> fade-in. One with nothing after it (FADE
  OUT. at the end) is dropped, as is THE END.
- The title comes from the title page, emphasis removed; a title all in capitals is written in title case.
- A character's `appearance` is seeded from their first description in the action: `EDIE (60s, oilskin coat)
  stacks chairs.` or `SCOTT, 30s, rumpled suit, enters.`
- Dialogue or action before the first scene heading goes into an implicit first scene (`opening`, heading
  `UNSPECIFIED PLACE`) with a warning (`Screenplay.warnings`, each with its line; also an unclosed `/*`, an
  INTERCUT without two places, a cue with no latin letters for an id). Errors (InputError, every problem with
  its line): an unreadable file (not UTF-8: the line of the bad byte), a character cue with no line under it (or
  a blank line between), a screenplay with no dialogue and no action.

Files: names.py (cues, ids, extensions, places, slugs), paragraphs.py (the file to classified paragraphs),
scenes.py and builder.py (paragraphs to scenes), reader.py (`read_fountain`, a production's `dialogue_file`),
writer.py (production.yaml for `scriptagent new --from`). Nothing here imports scriptagent beyond its errors:
the schema layer reads screenplays through it.
"""

from .names import slug
from .paragraphs import transition_kind
from .reader import dialogue_from_file, dialogue_of, read_fountain, scenes_from_file
from .writer import production_yaml

__all__ = ["dialogue_from_file", "dialogue_of", "production_yaml", "read_fountain", "scenes_from_file",
           "slug", "transition_kind"]
