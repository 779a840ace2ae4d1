#!/usr/bin/python3
"""Writes the needle-mini tool catalogue: src/Needle.Synthesis/Catalog/Data/tools/<domain>.json and .../heldout.json.

Tools are written compactly below (one line each) and expanded into tool schemas. Most domains are written in
Needle's flat form; a few in JSON Schema or OpenAI form, so the corpus (which always shows the Needle form) is built
from every dialect ToolSchemaParser accepts. The last two tools of each domain are held out: the model never sees them
in training, and the model card reports metrics on them.

Line syntax:  name: description | param | param ...
Param syntax: name:type[?][=a/b/c]   type in str,int,num,bool,str[],int[]; '?' = optional; '=..' = enum values.
Usage: /usr/bin/python3 tools/mini/make_catalog.py [repo_root]
"""
import json, os, sys

CATALOG = os.path.join("src", "Needle.Synthesis", "Catalog", "Data")

DOMAINS = {
"timers": ("needle", """
set_timer: Start a countdown timer | minutes:int | label:str?
set_alarm: Set an alarm for a time of day | time:str | label:str? | repeat_days:str[]?
cancel_timer: Cancel a running timer by its label | label:str
snooze_alarm: Snooze the ringing alarm | minutes:int?
list_alarms: List the alarms that are set | enabled_only:bool?
start_stopwatch: Start the stopwatch | lap_mode:bool?
set_pomodoro: Start a pomodoro focus session | focus_minutes:int | break_minutes:int? | rounds:int?
delete_alarm: Delete an alarm set for a time | time:str
pause_timer: Pause a running timer | label:str?
set_bedtime_reminder: Remind me when it is time to go to bed | time:str | wind_down_minutes:int?
"""),
"messages": ("needle", """
send_message: Send a text message to a contact | recipient:str | message:str
send_email: Send an email | to:str | subject:str | body:str | cc:str?
reply_to_message: Reply to the latest message from a contact | contact:str | message:str
read_messages: Read unread messages aloud | contact:str? | limit:int?
send_voice_note: Record and send a voice note | recipient:str | duration_seconds:int?
schedule_message: Send a text message later | recipient:str | message:str | send_at:str
mark_messages_read: Mark all messages from a contact as read | contact:str
search_emails: Search the mailbox | query:str | folder:str?=inbox/sent/archive/spam | limit:int?
forward_email: Forward the latest email from a sender | sender:str | to:str | note:str?
send_group_message: Send a message to a group chat | group:str | message:str
block_contact: Block a phone number or contact | contact:str
"""),
"calls": ("needle", """
make_call: Call a contact or phone number | contact:str | speaker:bool?
video_call: Start a video call | contact:str | app:str?=facetime/whatsapp/zoom/meet
end_call: Hang up the current call
redial_last_number: Call back the last number
add_contact: Save a new contact | name:str | phone:str | email:str?
find_contact: Look up a contact's details | name:str
set_do_not_disturb: Turn do not disturb on or off | enabled:bool | until:str?
call_voicemail: Listen to voicemail | unheard_only:bool?
"""),
"navigation": ("jsonschema", """
get_directions: Get directions to a place | destination:str | mode:str?=driving/walking/cycling/transit | avoid_tolls:bool?
find_nearby: Find places nearby | category:str | radius_km:num? | open_now:bool?
get_traffic: Check traffic on the way to a place | destination:str
share_location: Share my live location with a contact | contact:str | duration_minutes:int?
save_place: Save a place to favourites | name:str | address:str
get_eta: How long it takes to get somewhere | destination:str | mode:str?=driving/walking/cycling/transit
find_parking: Find parking near a place | location:str | max_price:num?
start_navigation: Start turn by turn navigation | destination:str | voice_guidance:bool?
add_stop: Add a stop to the current route | place:str
report_hazard: Report a road hazard | hazard_type:str=accident/police/roadwork/debris | note:str?
find_ev_charger: Find an electric vehicle charger | location:str | connector:str?=ccs/chademo/type2/tesla | min_power_kw:int?
"""),
"smart_home": ("needle", """
set_lights: Turn lights on or off in a room | room:str | on:bool | brightness:int?
set_light_color: Change the light colour in a room | room:str | color:str
set_thermostat: Set the thermostat temperature | temperature:num | unit:str?=celsius/fahrenheit | room:str?
lock_door: Lock or unlock a door | door:str | locked:bool
start_vacuum: Start the robot vacuum | rooms:str[]? | mode:str?=quiet/standard/turbo
set_fan_speed: Set a fan's speed | room:str | speed:int
open_blinds: Open or close the blinds | room:str | position_percent:int
arm_security: Arm or disarm the security system | mode:str=away/home/off
run_scene: Run a smart home scene | scene:str
check_camera: Show a security camera feed | camera:str
set_humidifier: Set the humidifier level | room:str | humidity_percent:int
start_washing_machine: Start the washing machine | program:str=cotton/synthetics/wool/quick/eco | temperature:int? | delay_hours:int?
preheat_oven: Preheat the oven | temperature:int | mode:str?=bake/fan/grill
water_garden: Turn on the garden sprinklers | zone:str | minutes:int
"""),
"calendar": ("needle", """
create_event: Add an event to the calendar | title:str | date:str | time:str? | duration_minutes:int? | location:str?
get_schedule: Show the calendar for a day | date:str
cancel_event: Cancel a calendar event | title:str | date:str?
move_event: Move an event to another time | title:str | new_date:str | new_time:str?
invite_to_event: Invite someone to an event | title:str | attendees:str[]
find_free_time: Find a free slot in the calendar | date:str | duration_minutes:int
set_event_reminder: Get reminded before an event | title:str | minutes_before:int
create_reminder: Create a reminder | text:str | when:str? | priority:str?=low/normal/high
add_birthday: Save a birthday to the calendar | name:str | date:str
accept_invitation: Accept or decline a meeting invitation | title:str | response:str=accept/decline/tentative
"""),
"notes": ("needle", """
create_note: Write a new note | title:str | content:str
append_to_note: Add text to an existing note | title:str | text:str
search_notes: Search my notes | query:str
add_to_list: Add items to a list | list_name:str | items:str[]
remove_from_list: Remove an item from a list | list_name:str | item:str
create_task: Add a task to the to-do list | title:str | due_date:str? | priority:str?=low/medium/high | project:str?
complete_task: Mark a task as done | title:str
read_list: Read out a list | list_name:str
start_voice_memo: Record a voice memo | title:str?
share_note: Share a note with someone | title:str | contact:str
"""),
"media": ("openai", """
play_music: Play music | query:str | shuffle:bool? | source:str?=spotify/apple_music/youtube_music/radio
pause_playback: Pause what is playing
skip_track: Skip to the next or previous track | direction:str=next/previous | count:int?
set_volume: Set the volume | level:int | device:str?
play_podcast: Play a podcast | show:str | episode:str?
play_radio: Play a radio station | station:str
add_to_playlist: Add the current song to a playlist | playlist:str
cast_to_tv: Cast media to a TV | title:str | device:str
play_audiobook: Continue or start an audiobook | title:str | speed:num?
like_song: Like or unlike the current song | liked:bool
set_sleep_timer: Stop playback after some time | minutes:int
play_movie: Play a movie or show | title:str | season:int? | episode:int? | subtitles:str?
set_equalizer: Set the equalizer preset | preset:str=flat/bass_boost/vocal/treble/loudness
"""),
"shopping": ("needle", """
add_to_cart: Add a product to the shopping cart | product:str | quantity:int? | store:str?
search_products: Search for a product | query:str | max_price:num? | sort_by:str?=relevance/price_low/price_high/rating
track_package: Track a package | tracking_number:str | carrier:str?
reorder_item: Reorder something I bought before | product:str | quantity:int?
check_price: Check the price of a product | product:str | store:str?
create_price_alert: Alert me when a price drops | product:str | target_price:num
apply_coupon: Apply a coupon code to the cart | code:str
return_item: Start a return | order_id:str | reason:str=damaged/wrong_item/not_needed/other
order_groceries: Order groceries for delivery | items:str[] | delivery_time:str?
find_store_hours: Check when a store is open | store:str | day:str?
"""),
"finance": ("jsonschema", """
check_balance: Check an account balance | account:str?=checking/savings/credit
transfer_money: Transfer money between accounts or to a person | amount:num | to:str | from_account:str? | note:str?
pay_bill: Pay a bill | payee:str | amount:num | date:str?
get_transactions: List recent transactions | account:str? | days:int? | category:str?
split_bill: Split a bill with friends | total:num | people:str[] | tip_percent:num?
convert_currency: Convert an amount to another currency | amount:num | from_currency:str | to_currency:str
get_stock_price: Get a stock price | symbol:str
set_budget: Set a monthly budget for a category | category:str | amount:num
freeze_card: Freeze or unfreeze a card | card:str | frozen:bool
request_money: Request money from a contact | contact:str | amount:num | reason:str?
log_expense: Log a cash expense | amount:num | category:str | note:str?
"""),
"travel": ("needle", """
search_flights: Search for flights | origin:str | destination:str | date:str | return_date:str? | passengers:int? | cabin:str?=economy/premium/business/first
book_hotel: Book a hotel room | city:str | check_in:str | nights:int | guests:int? | max_price:num?
check_flight_status: Check a flight's status | flight_number:str | date:str?
book_ride: Book a taxi or ride | pickup:str | destination:str | ride_type:str?=standard/xl/premium/shared
rent_car: Rent a car | city:str | pickup_date:str | days:int | car_type:str?=compact/sedan/suv/van
check_in_flight: Check in for a flight | booking_code:str | seat_preference:str?=window/aisle/any
get_visa_requirements: Check visa requirements for a trip | destination_country:str | citizenship:str
translate_phrase: Translate a phrase | text:str | target_language:str
find_train: Find train connections | origin:str | destination:str | date:str | time:str?
get_local_time: Get the local time in a city | city:str
buy_travel_insurance: Buy travel insurance for a trip | destination:str | start_date:str | end_date:str | travelers:int?
"""),
"weather": ("needle", """
get_weather: Get the current weather | location:str | unit:str?=celsius/fahrenheit
get_forecast: Get the weather forecast | location:str | days:int?
get_air_quality: Check the air quality | location:str
get_uv_index: Check the UV index | location:str
get_sunrise_sunset: Get sunrise and sunset times | location:str | date:str?
set_weather_alert: Alert me about weather conditions | location:str | condition:str=rain/snow/storm/heat/frost
get_pollen_count: Check the pollen count | location:str | pollen_type:str?=grass/tree/weed
"""),
"health": ("needle", """
log_water: Log water I drank | amount_ml:int
log_workout: Log a workout | activity:str | duration_minutes:int | calories:int?
log_meal: Log a meal | description:str | calories:int? | meal_type:str?=breakfast/lunch/dinner/snack
log_weight: Log my weight | weight:num | unit:str?=kg/lb
get_step_count: How many steps I walked | date:str?
set_medication_reminder: Remind me to take medication | medication:str | time:str | dose:str?
start_workout: Start tracking a workout | activity:str=run/walk/cycle/swim/yoga/strength | goal_minutes:int?
log_sleep: Log last night's sleep | hours:num | quality:str?=poor/fair/good/great
start_meditation: Start a guided meditation | minutes:int | theme:str?
book_doctor_appointment: Book a doctor's appointment | doctor:str | date:str | reason:str?
log_mood: Log how I feel | mood:str=awful/bad/okay/good/great | note:str?
check_heart_rate: Check my latest heart rate
"""),
"food": ("needle", """
find_restaurant: Find a restaurant | cuisine:str | location:str? | price_level:int? | open_now:bool?
book_table: Reserve a table at a restaurant | restaurant:str | date:str | time:str | party_size:int
order_food: Order food delivery | restaurant:str | items:str[] | address:str?
find_recipe: Find a recipe | dish:str | max_minutes:int? | diet:str?=vegetarian/vegan/gluten_free/keto/none
convert_units: Convert a cooking measurement | amount:num | from_unit:str | to_unit:str
get_nutrition: Get nutrition facts for a food | food:str | grams:int?
add_to_meal_plan: Add a dish to the meal plan | dish:str | day:str | meal:str?=breakfast/lunch/dinner
rate_restaurant: Rate a restaurant | restaurant:str | stars:int | review:str?
"""),
"work": ("needle", """
join_meeting: Join a video meeting | meeting:str | muted:bool?
create_ticket: Create an issue ticket | title:str | description:str | priority:str?=low/medium/high/urgent | assignee:str?
post_to_channel: Post a message to a team channel | channel:str | message:str
set_status: Set my chat status | status:str=available/busy/away/offline | message:str?
book_meeting_room: Book a meeting room | room:str | date:str | time:str | duration_minutes:int
log_hours: Log hours worked on a project | project:str | hours:num | date:str?
request_time_off: Request time off | start_date:str | end_date:str | reason:str?
share_screen: Share my screen in the current meeting | window:str?
start_recording: Start recording the meeting
upload_file: Upload a file to a shared folder | file_name:str | folder:str
"""),
"device": ("needle", """
set_brightness: Set the screen brightness | level:int
toggle_wifi: Turn wifi on or off | enabled:bool
toggle_bluetooth: Turn bluetooth on or off | enabled:bool
toggle_flashlight: Turn the flashlight on or off | enabled:bool
take_screenshot: Take a screenshot
take_photo: Take a photo | camera:str?=front/back | timer_seconds:int?
open_app: Open an app | app_name:str
set_ringtone: Change the ringtone | ringtone:str
toggle_airplane_mode: Turn airplane mode on or off | enabled:bool
set_power_saving: Turn power saving mode on or off | enabled:bool | threshold_percent:int?
check_battery: Check the battery level | device:str?
connect_headphones: Connect bluetooth headphones | device_name:str
set_wallpaper: Change the wallpaper | image:str | screen:str?=home/lock/both
"""),
"social": ("openai", """
post_status: Post a status update | text:str | platform:str?=twitter/facebook/instagram/linkedin | visibility:str?=public/friends/private
share_photo: Share the latest photo | contact:str | caption:str?
like_post: Like the latest post from someone | user:str
follow_user: Follow someone | user:str | platform:str?
check_notifications: Check social notifications | platform:str?
create_poll: Create a poll in a group | group:str | question:str | options:str[]
send_friend_request: Send a friend request | name:str
"""),
"fitness_sport": ("needle", """
get_score: Get the latest score of a team | team:str
get_match_schedule: When a team plays next | team:str | competition:str?
get_standings: Show the league table | league:str
set_score_alert: Alert me about a game | team:str | event:str?=kickoff/goal/final_score
book_class: Book a fitness class | class_name:str | date:str | time:str?
find_running_route: Find a running route | location:str | distance_km:num
log_run: Log a run | distance_km:num | minutes:int
"""),
"education": ("jsonschema", """
define_word: Define a word | word:str | language:str?
translate_text: Translate text | text:str | to_language:str | from_language:str?
calculate: Evaluate a math expression | expression:str
start_flashcards: Start a flashcard session | deck:str | cards:int?
set_study_goal: Set a daily study goal | subject:str | minutes:int
search_wikipedia: Look something up on Wikipedia | topic:str | sentences:int?
spell_word: Spell a word out loud | word:str
get_synonyms: Find synonyms for a word | word:str | limit:int?
"""),
"car": ("needle", """
start_car: Start the car remotely | climate_temperature:num?
lock_car: Lock or unlock the car | locked:bool
check_fuel: Check the fuel or charge level
set_car_climate: Set the car's climate | temperature:num | defrost:bool?
find_my_car: Find where the car is parked
honk_horn: Honk the horn and flash the lights | times:int?
schedule_service: Book a car service | date:str | service_type:str=oil_change/tires/inspection/repair
open_trunk: Open the trunk
"""),
"family_pets": ("needle", """
feed_pet: Log that a pet was fed | pet:str | food:str? | grams:int?
find_vet: Find a vet nearby | location:str? | emergency:bool?
track_child_location: Show where a family member is | name:str
set_screen_time: Set screen time limits for a child | child:str | minutes:int
start_baby_monitor: Start the baby monitor | room:str | sound_alerts:bool?
log_diaper: Log a diaper change | kind:str=wet/dirty/both | time:str?
walk_reminder: Remind me to walk the dog | time:str | dog:str?
"""),
"home_services": ("needle", """
book_cleaner: Book a home cleaning | date:str | hours:int | extras:str[]?
report_outage: Report a power or water outage | utility:str=power/water/gas/internet | address:str?
check_energy_usage: Check home energy usage | period:str?=today/week/month
schedule_pickup: Schedule a bulky waste pickup | items:str[] | date:str
call_plumber: Request a plumber | problem:str | urgent:bool?
check_mail_delivery: Check when mail will arrive
"""),
"entertainment": ("needle", """
find_movie_showtimes: Find movie showtimes | movie:str | location:str? | date:str?
buy_tickets: Buy event tickets | event:str | quantity:int | date:str? | section:str?
get_tv_guide: What's on TV | channel:str? | time:str?
tell_joke: Tell a joke | topic:str?
play_game: Start a game | game:str | players:int?
set_tv_channel: Change the TV channel | channel:str
find_events: Find events nearby | category:str=concerts/theatre/sports/comedy/festivals | date:str? | city:str?
get_book_recommendation: Recommend a book | genre:str | similar_to:str?
"""),
"photos": ("needle", """
search_photos: Find photos | query:str | year:int? | favorites_only:bool?
create_album: Create a photo album | name:str | photos_from:str?
share_album: Share an album with people | album:str | people:str[]
start_slideshow: Show photos as a slideshow | album:str | seconds_per_photo:int?
edit_photo: Apply a filter to the latest photo | filter:str=vivid/mono/warm/cool/vintage
delete_photos: Delete photos taken on a day | date:str
print_photos: Order prints of an album | album:str | size:str=4x6/5x7/8x10 | copies:int?
backup_photos: Back up photos to the cloud | wifi_only:bool?
"""),
"reading": ("jsonschema", """
open_book: Open a book in the reader | title:str | page:int?
add_bookmark: Bookmark the current page | note:str?
set_reading_goal: Set a yearly reading goal | books:int
read_news: Read the news headlines | topic:str?=world/business/tech/sports/science/local | count:int?
save_article: Save an article to read later | title:str | tags:str[]?
set_font_size: Change the reader font size | size:int
find_library_book: Check if the library has a book | title:str | branch:str?
"""),
"security": ("needle", """
generate_password: Make a strong password | length:int | symbols:bool?
lock_phone: Lock the phone now
locate_device: Find a lost device | device:str | play_sound:bool?
enable_two_factor: Turn on two-factor login for an account | account:str | method:str=sms/app/key
check_data_breach: Check if an email was in a data breach | email:str
share_wifi_password: Share the wifi password with a contact | contact:str
review_app_permissions: Review which apps can use a permission | permission:str=camera/microphone/location/contacts
"""),
"school": ("needle", """
check_homework: Show homework due for a class | class_name:str? | due_by:str?
add_exam: Add an exam to the study planner | subject:str | date:str | topics:str[]?
check_grades: Show my grades | subject:str?
message_teacher: Send a message to a teacher | teacher:str | message:str
set_school_pickup_reminder: Remind me to pick up a child from school | child:str | time:str
calculate_gpa: Calculate a grade point average | grades:int[]
"""),
"gardening": ("needle", """
log_planting: Log what I planted | plant:str | bed:str? | date:str?
get_watering_advice: How often to water a plant | plant:str
set_frost_alert: Alert me before frost | location:str | threshold_celsius:num?
identify_plant: Identify a plant from the latest photo | part:str?=leaf/flower/fruit/bark
mow_lawn: Start the robot mower | zone:str? | height_mm:int?
order_seeds: Order seeds | variety:str | packets:int
"""),
}

PARAM_DESC = {
    "minutes": "Number of minutes", "label": "A short name for it", "time": "Time of day, like 7:30 am", "date": "The day, like tomorrow or June 3",
    "recipient": "Who receives it (name or number)", "message": "The message text", "contact": "A contact name or phone number",
    "location": "City, address or place name", "destination": "Where to go", "room": "Room name", "amount": "The amount",
    "query": "What to search for", "title": "The title", "enabled": "True to turn on, false to turn off", "unit": "The unit",
}

TYPES = {"str": "string", "int": "integer", "num": "number", "bool": "boolean"}


def parse_param(spec):
    spec = spec.strip()
    enum = None
    if "=" in spec:
        spec, values = spec.split("=", 1)
        enum = values.split("/")
    name, typ = spec.split(":")
    required = not typ.endswith("?")
    typ = typ.rstrip("?")
    if typ.endswith("[]"):
        schema = {"type": "array", "items": {"type": TYPES[typ[:-2]]}}
    else:
        schema = {"type": TYPES[typ]}
    if enum:
        schema["enum"] = enum
    words = name.replace("_", " ")
    desc = PARAM_DESC.get(name, words[0].upper() + words[1:])
    if enum:
        desc += " (one of " + ", ".join(enum) + ")"
    elif typ == "int" and any(k in name for k in ("percent", "level", "brightness", "humidity")):
        schema["minimum"], schema["maximum"] = 0, 100
    schema["description"] = desc
    return name, schema, required


def parse_line(line):
    parts = [p.strip() for p in line.split("|")]
    name, desc = parts[0].split(":", 1)
    params = [parse_param(p) for p in parts[1:] if p]
    return name.strip(), desc.strip() + ".", params


def as_needle(name, desc, params):
    out = {}
    for p, s, req in params:
        s = dict(s)
        s["required"] = req
        out[p] = s
    return {"name": name, "description": desc, "parameters": out}


def as_jsonschema(name, desc, params):
    return {"name": name, "description": desc, "parameters": {
        "type": "object", "properties": {p: s for p, s, _ in params}, "required": [p for p, _, r in params if r]}}


def as_openai(name, desc, params):
    return {"type": "function", "function": as_jsonschema(name, desc, params)}


FORMS = {"needle": as_needle, "jsonschema": as_jsonschema, "openai": as_openai}


def main():
    root = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "..", "..")
    out_dir = os.path.join(root, CATALOG, "tools")
    os.makedirs(out_dir, exist_ok=True)
    heldout, names = [], set()
    for domain, (form, text) in DOMAINS.items():
        lines = [l for l in text.strip().splitlines() if l.strip()]
        tools = []
        for line in lines:
            name, desc, params = parse_line(line)
            assert name not in names, name
            names.add(name)
            tools.append(FORMS[form](name, desc, params))
        heldout += [parse_line(l)[0] for l in lines[-2:]]
        with open(os.path.join(out_dir, domain + ".json"), "w", encoding="utf-8") as f:
            json.dump(tools, f, indent=1, ensure_ascii=False)
            f.write("\n")
    with open(os.path.join(root, CATALOG, "heldout.json"), "w", encoding="utf-8") as f:
        json.dump(sorted(heldout), f, indent=1)
        f.write("\n")
    print(f"{len(names)} tools in {len(DOMAINS)} domains, {len(heldout)} held out")


if __name__ == "__main__":
    main()
