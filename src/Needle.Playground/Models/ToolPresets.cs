namespace Needle.Playground.Models;

/// <summary>A ready-made tool set and a query that exercises it (the Playground's preset buttons).</summary>
public sealed record ToolPreset(string Id, string Label, string Query, string ToolsJson);

/// <summary>Presets covering the common assistant domains. Data only: JSON Schema tools, pretty-printed.</summary>
public static class ToolPresets
{
    private static string Tool(string name, string description, string properties, params string[] required) =>
        $$"""
          {
            "name": "{{name}}",
            "description": "{{description}}",
            "parameters": {
              "type": "object",
              "properties": {{{properties}}},
              "required": [{{string.Join(", ", required.Select(r => $"\"{r}\""))}}]
            }
          }
        """;

    private static string P(string name, string type, string description) => $"\"{name}\": {{\"type\": \"{type}\", \"description\": \"{description}\"}}";

    private static string Tools(params string[] tools) => "[\n" + string.Join(",\n", tools) + "\n]";

    public static IReadOnlyList<ToolPreset> All { get; } =
    [
        new("weather", "Weather", "What's the weather like in Lisbon tomorrow?", Tools(
            Tool("get_weather", "Get the weather forecast for a city", P("location", "string", "City name") + ", " + P("day", "string", "Day, e.g. today or tomorrow"), "location"))),
        new("timers", "Timers & alarms", "Set a 25 minute timer", Tools(
            Tool("set_timer", "Start a countdown timer", P("time_human", "string", "Duration, e.g. 10 minutes"), "time_human"),
            Tool("set_alarm", "Set an alarm clock", P("time", "string", "Time of day, e.g. 7:30 am") + ", " + P("label", "string", "Alarm label"), "time"))),
        new("messaging", "Messaging", "Text Maria that I'm running ten minutes late", Tools(
            Tool("send_message", "Send a text message to a contact", P("recipient", "string", "Contact name") + ", " + P("message", "string", "Message text"), "recipient", "message"),
            Tool("send_email", "Send an email", P("to", "string", "Recipient address") + ", " + P("subject", "string", "Subject line") + ", " + P("body", "string", "Email body"), "to", "subject", "body"))),
        new("smart-home", "Smart home", "Dim the bedroom lights to 20 percent", Tools(
            Tool("set_lights", "Turn lights on/off or set brightness in a room", P("room", "string", "Room name") + ", " + P("brightness", "integer", "Brightness 0-100"), "room"),
            Tool("set_thermostat", "Set the thermostat temperature", P("temperature", "number", "Target temperature in degrees"), "temperature"),
            Tool("lock_door", "Lock a door", P("door", "string", "Which door, e.g. front"), "door"))),
        new("calendar", "Calendar", "Schedule a dentist appointment on Friday at 3pm", Tools(
            Tool("create_event", "Create a calendar event", P("title", "string", "Event title") + ", " + P("date", "string", "Date") + ", " + P("time", "string", "Start time"), "title", "date"),
            Tool("list_events", "List calendar events on a date", P("date", "string", "Date"), "date"))),
        new("music", "Music", "Play some jazz by Miles Davis", Tools(
            Tool("play_music", "Play music", P("artist", "string", "Artist name") + ", " + P("genre", "string", "Genre") + ", " + P("song", "string", "Song title")),
            Tool("set_volume", "Set the playback volume", P("level", "integer", "Volume 0-100"), "level"))),
        new("navigation", "Navigation", "Get me directions to the airport avoiding tolls", Tools(
            Tool("get_directions", "Directions to a destination", P("destination", "string", "Where to go") + ", " + P("avoid_tolls", "boolean", "Avoid toll roads"), "destination"),
            Tool("find_nearby", "Find places nearby", P("category", "string", "e.g. coffee, gas station"), "category"))),
        new("shopping", "Shopping", "Add two cartons of milk to my shopping list", Tools(
            Tool("add_to_list", "Add an item to the shopping list", P("item", "string", "Item name") + ", " + P("quantity", "integer", "How many"), "item"),
            Tool("search_products", "Search the store for products", P("query", "string", "What to search for") + ", " + P("max_price", "number", "Price limit"), "query"))),
    ];

    public static ToolPreset Default => All[1];
}
