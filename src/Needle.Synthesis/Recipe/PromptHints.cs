namespace Needle.Synthesis.Recipe;

/// <summary>Personas and scenario themes that inspire LLM batches (upstream has 30 personas and ~460 themes; these are our own).</summary>
public static class PromptHints
{
    public static readonly IReadOnlyList<string> Personas =
    [
        "a busy parent juggling school runs", "a student commuting by train", "a driver using voice only", "a nurse on a night shift",
        "a retiree who types slowly", "a freelance designer between meetings", "a runner mid-workout with a watch", "a chef in a noisy kitchen",
        "a traveller in an airport", "a teenager texting friends", "a small shop owner", "a software engineer at a desk",
        "someone cooking with messy hands", "a person with low vision using voice", "a night owl in bed", "a warehouse worker wearing gloves",
        "a sales rep on the road", "a gardener outdoors", "a new parent at 3am", "a musician practising",
        "a teacher between classes", "a cyclist with a phone mount", "someone walking the dog", "a home-office worker",
        "a gamer on a break", "a patient tracking medication", "a hiker with poor signal", "a commuter on a crowded bus",
        "a manager preparing a meeting", "a grandparent learning a new phone",
    ];

    public static readonly IReadOnlyList<string> Themes =
    [
        "timers and alarms", "shopping lists", "messages to family", "messages to coworkers", "device settings", "music while cooking",
        "directions to a new place", "smart home at night", "weather before a trip", "calendar changes", "notes from a meeting",
        "quick arithmetic", "unit conversion", "restaurant plans", "fitness goals", "reminders about bills", "photos and camera",
        "travel bookings", "emails that must go out now", "news briefings", "accessibility needs", "files to share",
        "a terse one-word command", "a long rambling request", "a polite request with thanks", "a request with a correction",
        "a request mentioning a specific time", "a request with a decimal number", "a request with an emoji", "a request with a full address",
        "a request a tool cannot serve", "a question about status", "planning a birthday", "morning routine", "evening wind-down",
        "work deadlines", "kids' activities", "pet care", "car maintenance", "budgeting",
    ];
}
