"""The battle log's lines: every sentence the battle rules write, as a template a battle's `log`
may replace, with its default in a neutral voice (no people, peoples or places: those belong to a
scenario). A template names what it shows in braces, from the fields listed for its key (and the
two commanders' names, which every line may show); a name with a capital first letter (`{Unit}`)
is the same name capitalised, for the start of a sentence.
MODDING.md ("The battle log") lists them; a test keeps the two in step.
"""

from __future__ import annotations

from string import Formatter

UNIT = ("unit", "Unit")
COMMANDER = ("commander", "Commander")
ENEMY_COMMANDER = ("enemy_commander", "Enemy_commander")

# key -> (default template, the fields it may show, what the line says)
LOG_LINES: dict[str, tuple[str, tuple[str, ...], str]] = {
    "from_campaign": ("From the campaign: {what} ({source})", ("what", "source"),
                      "what the campaign brought to the field, before the first order"),
    "phase": ("[{time}] {title}", ("time", "title"), "a phase begins"),
    "watch_rise": ("Riders climb the rise to watch the ground beyond it.", (), "the order to watch the rise"),
    "archery": ("The archery costs your army {lost} men and the enemy {elost}.", ("lost", "elost"),
                "the exchange of arrows"),
    "shift_seen": ("{Enemy_commander} thins his rear ranks and sends {moved} horsemen along behind his line to "
                   "his {his_side}, against your {side}. You see it happen.",
                   ENEMY_COMMANDER + ("moved", "side", "his_side"), "the enemy shifts his weight, in sight"),
    "shift_hidden": ("Dust hangs over the {terrain} on your {side}, and nobody on the low ground can see past it. "
                     "Behind that screen {enemy_commander} is massing {moved} horsemen against your {side}.",
                     ENEMY_COMMANDER + ("moved", "side", "terrain"), "the enemy shifts his weight, unseen"),
    "reserve_sent": ("{Unit} ride from the reserve to the {side}.", UNIT + ("side",), "the reserve meets the blow"),
    "reinforce": ("Squadrons are thinned out of the centre: {extra} horsemen go to the {side}.", ("extra", "side"),
                  "horsemen lent to the threatened flank"),
    "refuse": ("The {side} bends back, so that the blow meets a face and not a flank.", ("side",),
               "the flank is refused"),
    "pull_back": ("The whole line steps back{towards}. The enemy cheers it as a retreat.", ("towards",),
                  "the line steps back ({towards} is ' towards the river' when there is one)"),
    "pinned": ("Along the rest of the line the archery never slackens, pinning every unit where it stands.", (),
               "the enemy pins the rest of the line with arrows"),
    "blow": ("The blow falls on {unit}: {attack} against {defend} ({ratio} to 1, {odds} to the attack); "
             "defence {terms}; net {net}. Odds: thrown back {repulse}%, held {hold}%, broken {broken}%.",
             UNIT + ("attack", "defend", "ratio", "odds", "terms", "net", "repulse", "hold", "broken"),
             "the assault's odds"),
    "repulsed": ("Thrown back! The attack breaks on {unit}, and the enemy horse reels away.", UNIT,
                 "the assault is thrown back"),
    "flank_holds": ("{Unit} hold, shaken and bleeding, and the fight on the flank grinds on.", UNIT,
                    "the assault is held"),
    "flank_breaks": ("{Unit} break and scatter. The enemy is round the flank and behind the line.", UNIT,
                     "the assault breaks the flank"),
    "flanked": ("{Unit} are taken in flank ({terms}): {chance}% that they break.", UNIT + ("terms", "chance"),
                "a neighbour of a broken unit tests its nerve"),
    "panic_breaks": ("{Unit} break and run for the rear.", UNIT, "the neighbour breaks"),
    "encircled": ("{Unit} stand their ground, surrounded on two sides, and the rout stops at them for now.", UNIT,
                  "the neighbour holds, surrounded"),
    "hold_firm": ("{Unit} hold firm.", UNIT, "the neighbour at the end of the line holds"),
    "fall_with_commander": ("{Unit} fight on where they stand until they are cut down: {fallen} men fall there "
                            "with their commander, and the rest are scattered.", UNIT + ("fallen",),
                            "a surrounded unit with a named commander is cut down"),
    "cut_to_pieces": ("{Unit} fight on where they stand until they are cut to pieces: {fallen} men fall, and the "
                      "few who cut their way out{away} are scattered: the unit is no more.",
                      UNIT + ("fallen", "away"), "a surrounded unit is cut down"),
    "term_river": ("the river at your back", (), "a last stand's modifier"),
    "term_shields": ("horses shy at a wall of shields", (), "a last stand's modifier"),
    "term_foot_state": ("the infantry's state", (), "a last stand's modifier"),
    "term_on_foot": ("{Commander} fighting on foot", COMMANDER, "a last stand's modifier"),
    "term_standard_gone": ("the standard gone", (), "a last stand's modifier"),
    "term_allies_join": ("allied horsemen dismount beside the foot", (), "a last stand's modifier"),
    "term_no_one_gathers": ("no one gathers the line", (), "a last stand's modifier"),
    "term_block": ("{men} men in the block", ("men",), "a last stand's modifier"),
    "boat": ("{Commander} takes the standard and crosses by boat{crossing}.", COMMANDER + ("crossing",),
             "the commander crosses by boat ({crossing} is ' to ' and the refuge, or ' over the river')"),
    "stand_odds": ("The last stand{by_river} ({terms}): {chance}% that it holds until dark.",
                   ("by_river", "terms", "chance"), "the last stand's odds"),
    "stand_holds": ("Charge after charge breaks on the shields. The horses will not close, and night comes down.",
                    (), "the last stand holds"),
    "stand_breaks": ("The shield wall gives way. What is left of the army is cut down or scattered.", (),
                     "the last stand is overrun"),
    "stand_breaks_river": ("The shield wall gives way. The last of the army is driven into the river.", (),
                           "the last stand by a river is overrun"),
    "fate_killed": ("{Commander} is killed on the bank.", COMMANDER, "the commander dies in the last stand"),
    "fate_captured": ("{Commander} is taken alive by the enemy.", COMMANDER, "the commander is taken"),
    "fate_escaped": ("{Commander} gets away across the water in the dark.", COMMANDER, "the commander escapes"),
    "charge_odds": ("The counter-charge ({force} riders against {enemy} ({odds}), {terms}): {chance}% that it "
                    "succeeds.", ("force", "enemy", "odds", "terms", "chance"), "the counter-charge's odds"),
    "charge_victory": ("The charge strikes home. The massed enemy is driven back in disorder, and his line gives "
                       "ground.", (), "the counter-charge wins the day"),
    "charge_held": ("The charge clears the flank and frees the men who were surrounded; the line is patched "
                    "together and holds until dark.", (), "the counter-charge saves the day"),
    "charge_breaks_attacker": ("The riders catch the attackers scattered over the ground they took, and they break; "
                               "the rest of the enemy line gives way behind them.", (),
                               "the counter-charge after a break routs the attacker"),
    "charge_fails": ("The charge founders against fresh horsemen. Your cavalry is scattered.", (),
                     "the counter-charge fails"),
    "charge_killed": ("{Commander} falls at the head of the charge.", COMMANDER, "the commander dies charging"),
    "charge_captured": ("{Commander}'s horse is killed under him, and he is taken.", COMMANDER,
                        "the commander is taken charging"),
    "strike_odds": ("{Unit} ride straight for {enemy_commander} and his standard ({terms}): {chance}% that they "
                    "reach him.", UNIT + ENEMY_COMMANDER + ("terms", "chance"), "the charge at the commander"),
    "strike_succeeds": ("They cut their way through to the standard and throw it down. Without it the enemy's ranks "
                        "lose heart and give way.", UNIT + ENEMY_COMMANDER, "the charge reaches the commander"),
    "strike_fails": ("{Unit} are swallowed by the guard around the standard and cut down.",
                     UNIT + ENEMY_COMMANDER, "the charge at the commander fails"),
    "withdraw_odds": ("The army falls back{to_retreat}: {chance}% that it keeps its order.", ("to_retreat", "chance"),
                      "a withdrawal's odds ({to_retreat} is ' towards ' and the battle's `retreat`, or empty)"),
    "withdraw_kept": ("The columns hold together, and the enemy lets them go as the light fails.", (),
                      "the withdrawal keeps its order"),
    "withdraw_rout": ("The withdrawal turns into a flight, and the enemy rides down the stragglers.", (),
                      "the withdrawal breaks"),
    "hold": ("The line holds. The enemy draws off to his camp as the sun goes down.", (),
             "an unbroken line holds until night"),
    "hidden_arrives": ("{Unit} come down from cover on {enemy_unit}: {killed} men fall in the first shock, and "
                       "the whole enemy line wavers.", UNIT + ("enemy_unit", "killed"),
                       "a hidden force comes down (a hidden force's own `text` comes first)"),
    "nightfall": ("Nightfall. {outcome} Your losses: about {losses} men, dead or scattered; the enemy's: about "
                  "{elost}.", ("outcome", "losses", "elost"), "the day's end"),
    "outcome_victory": ("The field is yours.", (), "nightfall's {outcome}, after a victory"),
    "outcome_held": ("Neither line has broken.", (), "nightfall's {outcome}, when the field was held"),
    "outcome_defeat": ("The field is lost, but part of the army still stands.", (),
                       "nightfall's {outcome}, after a defeat"),
    "outcome_routed": ("The army is destroyed.", (), "nightfall's {outcome}, after a rout"),
    "outcome_withdrew": ("The army has left the field to the enemy, but it is still an army.", (),
                         "nightfall's {outcome}, after a withdrawal that kept its order"),
}


def template_problem(key: str, text: str) -> str | None:
    """Why `text` cannot be the template of log line `key`, or None when it can."""
    if key not in LOG_LINES:
        return f"there is no log line '{key}' (see MODDING.md, 'The battle log')"
    allowed = LOG_LINES[key][1] + tuple(n for n in COMMANDER + ENEMY_COMMANDER if n not in LOG_LINES[key][1])
    try:
        parts = list(Formatter().parse(text))
    except ValueError as e:
        return f"log line '{key}': {e} (write a brace as {{{{ or }}}})"
    for _, name, spec, conversion in parts:
        if name is None:
            continue
        if name not in allowed or spec or conversion:
            shown = ", ".join("{" + f + "}" for f in allowed) or "none"
            return f"log line '{key}' cannot show {{{name}{'!' + conversion if conversion else ''}" \
                   f"{':' + spec if spec else ''}}}: it may show {shown}"
    return None


def templates(overrides: dict[str, str]) -> dict[str, str]:
    """Every log line's template: the battle's own where it gives one, else the default."""
    return {key: overrides.get(key, default) for key, (default, _, _) in LOG_LINES.items()}
