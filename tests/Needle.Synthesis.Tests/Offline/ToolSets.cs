namespace Needle.Synthesis.Tests.Offline;

/// <summary>Varied tool sets in different dialects for the offline generator tests.</summary>
internal static class ToolSets
{
    public const string Assistant = """
        [{"name":"get_weather","description":"Get the current weather for a city.","parameters":{"location":{"type":"string","description":"City name","required":true},"unit":{"type":"string","description":"'celsius' or 'fahrenheit'","required":false}}},
         {"name":"send_message","description":"Send a text message to a contact.","parameters":{"recipient":{"type":"string","description":"Who to send it to","required":true},"message":{"type":"string","description":"The message body","required":true}}},
         {"name":"set_timer","description":"Set a timer.","parameters":{"minutes":{"type":"number","description":"Duration in minutes","required":true},"label":{"type":"string","description":"Optional label","required":false}}}]
        """;

    public const string SmartHome = """
        {"tools":[{"name":"set_thermostat","description":"Set the thermostat.","inputSchema":{"type":"object","properties":{"temperature":{"type":"integer","minimum":50,"maximum":85},"mode":{"type":"string","enum":["heat","cool","auto"]}},"required":["temperature"]}},
                  {"name":"toggle_lights","description":"Turn lights on or off in a room.","inputSchema":{"type":"object","properties":{"room":{"type":"string","description":"Room name"},"on":{"type":"boolean"},"brightness":{"type":"number","minimum":0,"maximum":100}},"required":["room","on"]}},
                  {"name":"lock_doors","description":"Lock all doors.","inputSchema":{"type":"object","properties":{}}}]}
        """;

    public const string Shopping = """
        [{"type":"function","function":{"name":"add_to_list","description":"Add items to a shopping list.","parameters":{"type":"object","properties":{"items":{"type":"array","items":{"type":"string"},"description":"Items to add"},"list_name":{"type":"string","description":"Which list"}},"required":["items"]}}},
         {"type":"function","function":{"name":"order_food","description":"Order food delivery from a restaurant.","parameters":{"type":"object","properties":{"restaurant":{"type":"string"},"dish":{"type":"string"},"quantity":{"type":"integer","minimum":1,"maximum":10},"delivery":{"type":"object","properties":{"address":{"type":"string"},"time":{"type":"string"}},"required":["address"]}},"required":["restaurant","dish"]}}}]
        """;

    public const string OneTool = """
        [{"name":"translate","description":"Translates text into another language.","parameters":{"text":{"type":"string","description":"Text to translate","required":true},"target_language":{"type":"string","description":"Language to translate into","required":true}}}]
        """;

    public const string Odd = """
        [{"name":"zorblax","description":"","parameters":{"flux_level":{"type":"number","description":"","required":true},"codeword":{"type":"string","description":"","required":false},"priority":{"type":"string","enum":["low","high","urgent_now"],"required":true}}},
         {"name":"CalendarCreateEvent","description":"Creates a calendar event.","parameters":{"title":{"type":"string","description":"Event title","required":true},"date":{"type":"string","description":"Event date","required":true},"attendees":{"type":"array","items":{"type":"string"},"description":"Emails of people to invite","required":false}}}]
        """;

    public const string Extreme = """
        [{"name":"setFanSpeed","description":"Adjusts fan speed.","parameters":{"type":"object","properties":{"speed":{"type":"integer","enum":[1,2,3]},"oscillate":{"type":"boolean"}},"required":["speed","oscillate"]}},
         {"name":"log_workout","description":"Log a workout.","parameters":{"type":"object","properties":{"sets":{"type":"array","items":{"type":"object","properties":{"exercise":{"type":"string"},"reps":{"type":"integer","minimum":1,"maximum":50}},"required":["exercise","reps"]}},"meta":{"type":"object"},"q":{"type":"string"}},"required":["sets"]}},
         {"name":"rate","description":"Rate the last ride.","parameters":{"type":"object","properties":{"stars":{"type":"number","minimum":1,"maximum":1}},"required":["stars"]}}]
        """;

    public static IEnumerable<object[]> All() =>
        new[] { Assistant, SmartHome, Shopping, OneTool, Odd, Extreme }.Select((json, i) => new object[] { i, json });
}
