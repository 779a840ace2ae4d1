using System.Globalization;
using System.Text.Json.Nodes;
using Needle.Core.Tools;

namespace Needle.Synthesis.Offline;

/// <summary>What a parameter is about, guessed from its name (and description), to pick values and connecting words.</summary>
internal enum Meaning
{
    Generic, City, Location, Destination, Origin, Person, Recipient, Email, Phone, Message, Title, Note, Time, Date, Query, Topic,
    Song, Artist, Album, Playlist, Genre, Item, Address, Url, Language, TargetLanguage, SourceLanguage, Currency, App, Room, Device,
    Color, File, Category, Company, Restaurant, Dish, Exercise, Media, Airport, Country, Unit, Handle,
}

/// <summary>A sampled argument: its JSON value and the words that carry it in the query.</summary>
internal sealed record SampledArgument(string Name, JsonNode Value, Phrase Phrase);

/// <summary>
/// Picks grounded values for parameters from the pools, shaped by name, type, enum, bounds and description, and
/// phrases them the way people say them ("in Paris", "at 7:30 am", "for 15 minutes", "saying ...").
/// </summary>
internal static class ValueSampler
{
    public static Meaning Classify(ToolParameter p, string toolName)
    {
        var words = Words.Split(p.Name);
        var desc = p.Description.ToLowerInvariant();
        bool Has(params string[] keys) => keys.Any(k => words.Contains(k));
        bool Desc(params string[] keys) => keys.Any(k => desc.Contains(k, StringComparison.Ordinal));
        var tool = toolName.ToLowerInvariant();

        if (Has("email", "emails") || Desc("email address", "emails of", "email of")) return Meaning.Email;
        if (Has("phone", "mobile", "tel") || Desc("phone number")) return Meaning.Phone;
        if (Has("url", "link", "website", "uri", "href")) return Meaning.Url;
        if (Has("handle", "username")) return Meaning.Handle;
        if (Has("destination", "dest") || Has("to") && Desc("location", "address", "place", "city")) return Meaning.Destination;
        if (Has("origin", "start", "from", "source") && Desc("location", "address", "place", "city", "start")) return Meaning.Origin;
        if (Has("target") && Has("language", "lang", "locale") || Has("to") && Has("language", "lang")) return Meaning.TargetLanguage;
        if (Has("source") && Has("language", "lang") || Has("from") && Has("language", "lang")) return Meaning.SourceLanguage;
        if (Has("language", "lang", "locale")) return Meaning.Language;
        if (Has("city", "town")) return Meaning.City;
        if (Has("address", "street")) return Meaning.Address;
        if (Has("location", "place", "where", "venue", "region", "area")) return Meaning.Location;
        if (Has("airport")) return Meaning.Airport;
        if (Has("country")) return Meaning.Country;
        if (Has("recipient", "recipients", "to", "contact", "attendee", "attendees", "invitee", "invitees", "participants", "assignee", "who")) return Meaning.Recipient;
        if (Has("person", "people", "friend", "user", "sender", "author", "caller")) return Meaning.Person;
        if (Has("name") && (Desc("person", "contact", "people", "friend", "name of the") && !Desc("file", "playlist", "list", "event", "task", "project", "device", "room") || tool.Contains("contact", StringComparison.Ordinal) || tool.Contains("call", StringComparison.Ordinal))) return Meaning.Person;
        if (Has("message", "text", "body", "content", "msg", "reply", "caption", "comment", "post", "status")) return Meaning.Message;
        if (Has("note", "notes", "memo", "description", "details", "reason", "instructions", "summary")) return Meaning.Note;
        if (Has("title", "subject", "label", "name", "heading", "event", "task", "reminder")) return Meaning.Title;
        if (Has("time", "at", "when", "start", "end", "datetime", "deadline", "due") && !Desc("date")) return Meaning.Time;
        if (Has("date", "day", "datetime", "deadline", "due", "birthday")) return Meaning.Date;
        if (Has("time", "when", "start", "end")) return Meaning.Time;
        if (Has("song", "track", "tune")) return Meaning.Song;
        if (Has("artist", "band", "singer")) return Meaning.Artist;
        if (Has("album")) return Meaning.Album;
        if (Has("playlist")) return Meaning.Playlist;
        if (Has("genre", "mood", "style")) return Meaning.Genre;
        if (Has("query", "search", "keyword", "keywords", "term", "terms", "q", "question", "prompt", "phrase")) return Meaning.Query;
        if (Has("topic", "subject", "interest")) return Meaning.Topic;
        if (Has("item", "items", "product", "products", "ingredient", "ingredients", "thing", "things", "grocery", "groceries")) return Meaning.Item;
        if (Has("currency")) return Meaning.Currency;
        if (Has("app", "application", "service", "platform")) return Meaning.App;
        if (Has("room", "zone")) return Meaning.Room;
        if (Has("device", "appliance", "light", "lights")) return Meaning.Device;
        if (Has("color", "colour")) return Meaning.Color;
        if (Has("file", "filename", "document", "doc", "path", "folder", "attachment")) return Meaning.File;
        if (Has("category", "tag", "tags", "list", "folder", "type", "kind")) return Meaning.Category;
        if (Has("restaurant", "cafe", "eatery")) return Meaning.Restaurant;
        if (Has("store", "shop", "business", "company", "merchant", "vendor", "payee")) return Meaning.Company;
        if (Has("recipe", "dish", "meal", "food")) return Meaning.Dish;
        if (Has("exercise", "workout", "activity", "sport")) return Meaning.Exercise;
        if (Has("movie", "show", "book", "podcast", "film", "series", "episode", "channel")) return Meaning.Media;
        if (Has("unit", "units")) return Meaning.Unit;
        if (Has("text") || Desc("message")) return Meaning.Message;
        if (Desc("city", "location")) return Meaning.Location;
        return Meaning.Generic;
    }

    public static SampledArgument Sample(ToolParameter p, string toolName, Random rng, bool preferLong)
    {
        if (p.Enum is null && p.Type == ToolParameterType.String && ToolCallValidator.DescriptionOptions(p.Description) is { } options)
            p = p with { Enum = options.Select(o => JsonValue.Create(o)!).ToList() };
        if (p.Enum is not null) return SampleEnum(p, rng);
        return p.Type switch
        {
            ToolParameterType.Boolean => SampleBoolean(p, rng),
            ToolParameterType.Number or ToolParameterType.Integer => SampleNumber(p, rng),
            ToolParameterType.Array => SampleArray(p, toolName, rng, preferLong),
            ToolParameterType.Object => SampleObject(p, toolName, rng, preferLong),
            _ => SampleString(p, toolName, rng, preferLong),
        };
    }

    private static SampledArgument SampleEnum(ToolParameter p, Random rng)
    {
        var value = p.Enum![rng.Next(p.Enum.Count)];
        var text = value.ToJsonString().Trim('"');
        var spoken = text.Replace('_', ' ');
        var words = Words.Spoken(p.Name);
        var phrase = new Phrase();
        switch (rng.Next(4))
        {
            case 0: phrase.Text(" ").Value(spoken).Text($" {words} "); break;
            case 1: phrase.Text($" with {words} ").Value(spoken).Text(" "); break;
            case 2: phrase.Text($" {words} ").Value(spoken).Text(" "); break;
            default: phrase.Text($", {words} set to ").Value(spoken).Text(" "); break;
        }
        return new SampledArgument(p.Name, value.DeepClone(), phrase);
    }

    private static SampledArgument SampleBoolean(ToolParameter p, Random rng)
    {
        var on = rng.Next(2) == 0;
        var words = Words.Split(p.Name).Where(w => w is not ("is" or "has" or "should" or "include" or "use" or "enable" or "enabled" or "with" or "allow")).ToList();
        var subject = string.Join(' ', words);
        var phrase = new Phrase();
        if (subject.Length == 0 || subject is "on" or "active" or "state" or "power" or "status")
            phrase.Text(on ? " on " : " off ");
        else if (on)
            phrase.Text(Pick(rng, $" with {subject} ", $" with {subject} on ", $" and include {subject} ", $", {subject}: yes "));
        else
            phrase.Text(Pick(rng, $" without {subject} ", $" with {subject} off ", $", no {subject} ", $", {subject}: no "));
        return new SampledArgument(p.Name, JsonValue.Create(on), phrase);
    }

    private static SampledArgument SampleNumber(ToolParameter p, Random rng)
    {
        var words = Words.Split(p.Name);
        bool Has(params string[] k) => k.Any(words.Contains);
        var desc = p.Description.ToLowerInvariant();
        double lo = 1, hi = 100, step = 1;
        var decimals = false;
        string unitAfter = "", before = " with " + Words.Spoken(p.Name) + " ";
        if (Has("temperature", "temp", "degrees"))
        {
            (lo, hi) = desc.Contains("celsius", StringComparison.Ordinal) ? (16, 28) : (62, 78);
            before = Pick(rng, " to ", " at "); unitAfter = " degrees";
        }
        else if (Has("volume", "brightness", "level", "percent", "percentage", "opacity", "speed") && !Has("zoom"))
        {
            (lo, hi, step) = (10, 100, 5);
            before = Pick(rng, " to ", " at "); unitAfter = Pick(rng, "%", " percent", "");
        }
        else if (Has("minutes", "mins", "minute", "duration"))
        {
            (lo, hi) = (1, 90); before = " for "; unitAfter = " minutes";
        }
        else if (Has("seconds", "secs", "second"))
        {
            (lo, hi, step) = (10, 300, 5); before = " for "; unitAfter = " seconds";
        }
        else if (Has("hours", "hrs", "hour"))
        {
            (lo, hi) = (1, 12); before = " for "; unitAfter = " hours";
        }
        else if (Has("rating", "stars", "score"))
        {
            (lo, hi) = (1, 5); before = Pick(rng, " with ", " a rating of "); unitAfter = Pick(rng, " stars", "");
            if (before == " a rating of ") unitAfter = "";
        }
        else if (Has("price", "cost", "amount", "budget", "total", "bill", "money", "salary", "fee", "balance", "payment"))
        {
            (lo, hi) = (5, 500); decimals = rng.Next(2) == 0; before = Pick(rng, " of $", " for $", " of "); unitAfter = before.EndsWith('$') ? "" : " dollars";
        }
        else if (Has("tip"))
        {
            (lo, hi) = (10, 25); before = " with a "; unitAfter = "% tip";
        }
        else if (Has("lat", "latitude", "lon", "lng", "longitude"))
        {
            (lo, hi) = Has("lat", "latitude") ? (-60, 60) : (-150, 150); decimals = true; before = $" {Words.Spoken(p.Name)} "; unitAfter = "";
        }
        else if (Has("year")) { (lo, hi) = (1990, 2026); before = " from "; }
        else if (Has("age")) { (lo, hi) = (1, 90); before = " aged "; }
        else if (Has("count", "number", "num", "quantity", "qty", "servings", "guests", "people", "size", "limit", "max", "results", "copies", "times", "repeat", "top", "k"))
        {
            (lo, hi) = (1, 12); before = " "; unitAfter = " " + Words.Spoken(p.Name).Replace("number of ", "").Replace("num ", "");
            if (unitAfter.Trim() is "count" or "number" or "num" or "quantity" or "qty" or "limit" or "max") { before = $" {Words.Spoken(p.Name)} "; unitAfter = ""; }
        }
        else if (Has("distance", "km", "miles", "radius")) { (lo, hi) = (1, 42); before = " within "; unitAfter = Has("miles") ? " miles" : " km"; }
        else if (Has("steps")) { (lo, hi, step) = (1000, 20000, 500); before = " of "; unitAfter = " steps"; }
        else if (Has("calories")) { (lo, hi, step) = (100, 900, 10); before = " of "; unitAfter = " calories"; }
        else if (Has("weight")) { (lo, hi) = (1, 100); decimals = rng.Next(3) == 0; before = " of "; unitAfter = " kg"; }
        else if (Has("page")) { (lo, hi) = (1, 300); before = " on page "; }
        else if (Has("channel")) { (lo, hi) = (2, 99); before = " to channel "; }
        else if (Has("floor")) { (lo, hi) = (1, 30); before = " on floor "; }
        else if (Has("day")) { (lo, hi) = (1, 28); before = " on day "; }
        else if (Has("month")) { (lo, hi) = (1, 12); before = " month "; }

        if (p.Minimum is { } min) lo = Math.Max(lo, min);
        if (p.Maximum is { } max) hi = Math.Min(hi, max);
        if (lo > hi) (lo, hi) = (p.Minimum ?? hi, p.Maximum ?? lo);
        if (p.Type == ToolParameterType.Integer) decimals = false;
        double value;
        if (decimals)
        {
            value = Math.Round(lo + rng.NextDouble() * (hi - lo), Has("lat", "latitude", "lon", "lng", "longitude") ? 4 : 2);
        }
        else
        {
            var steps = (int)Math.Floor((Math.Floor(hi) - Math.Ceiling(lo)) / step);
            value = Math.Ceiling(lo) + step * rng.Next(Math.Max(0, steps) + 1);
        }
        value = Math.Clamp(value, lo, hi);
        var text = value.ToString(decimals && before.EndsWith('$') ? "0.00" : "0.####", CultureInfo.InvariantCulture);
        // Small whole numbers are often said as words; grounding understands number words.
        if (!decimals && value is >= 2 and <= 12 && value == Math.Floor(value) && rng.Next(4) == 0 && !before.EndsWith('$'))
            text = NumberWord((int)value);
        var phrase = new Phrase().Text(before).Value(text).Text(unitAfter + " ");
        JsonNode json = value == Math.Floor(value) ? JsonValue.Create((long)value) : JsonValue.Create(value);
        return new SampledArgument(p.Name, json, phrase);
    }

    private static SampledArgument SampleArray(ToolParameter p, string toolName, Random rng, bool preferLong)
    {
        var itemSchema = (p.Items ?? new ToolParameter { Name = p.Name, Type = ToolParameterType.String }) with { Name = p.Name, Description = p.Items?.Description is { Length: > 0 } d ? d : p.Description };
        if (p.Enum is not null && itemSchema.Enum is null) itemSchema = itemSchema with { Enum = p.Enum };
        var count = rng.Next(1, 4);
        var values = new JsonArray();
        var phrases = new List<Phrase>();
        var seen = new HashSet<string>();
        for (var i = 0; i < count * 3 && values.Count < count; i++)
        {
            var item = itemSchema.Type == ToolParameterType.Object
                ? SampleObject(itemSchema, toolName, rng, preferLong)
                : BareValue(itemSchema, toolName, rng, preferLong);
            if (!seen.Add(item.Value.ToJsonString())) continue;
            values.Add(item.Value);
            phrases.Add(item.Phrase); // keeps value markers, so noise never lands inside an item
        }
        var meaning = Classify(p, toolName);
        var phrase = new Phrase().Text(Lead(meaning, p, rng));
        for (var i = 0; i < phrases.Count; i++)
        {
            if (i > 0) phrase.Text(i == phrases.Count - 1 ? " and " : ", ");
            phrase.Append(phrases[i]);
        }
        return new SampledArgument(p.Name, values, phrase.Text(" "));
    }

    // A value for an array element: its bare text, without connecting words.
    private static SampledArgument BareValue(ToolParameter p, string toolName, Random rng, bool preferLong)
    {
        if (p.Enum is not null)
        {
            var v = p.Enum[rng.Next(p.Enum.Count)];
            return new SampledArgument(p.Name, v.DeepClone(), new Phrase().Value(v.ToJsonString().Trim('"')));
        }
        if (p.Type is ToolParameterType.Number or ToolParameterType.Integer)
        {
            var n = SampleNumber(p with { Name = "value" }, rng);
            var digits = n.Phrase.Segments.First(s => s.IsValue).Text;
            return new SampledArgument(p.Name, n.Value, new Phrase().Value(digits));
        }
        if (p.Type == ToolParameterType.Boolean) return new SampledArgument(p.Name, JsonValue.Create(rng.Next(2) == 0), new Phrase().Value(rng.Next(2) == 0 ? "yes" : "no"));
        var text = StringValue(Classify(p, toolName), rng, preferLong);
        return new SampledArgument(p.Name, JsonValue.Create(text), new Phrase().Value(text));
    }

    private static SampledArgument SampleObject(ToolParameter p, string toolName, Random rng, bool preferLong)
    {
        var obj = new JsonObject();
        var phrase = new Phrase();
        if (p.Properties.Count == 0)
        {
            // A free-form object: one descriptive key quoted from the query.
            var v = ValuePools.Generic.Pick(rng);
            obj["name"] = v;
            return new SampledArgument(p.Name, obj, phrase.Text($" with {Words.Spoken(p.Name)} ").Value(v).Text(" "));
        }
        foreach (var child in p.Properties)
        {
            if (!child.Required && rng.Next(2) == 0) continue;
            var arg = Sample(child, toolName, rng, preferLong);
            obj[child.Name] = arg.Value;
            phrase.Append(arg.Phrase);
        }
        return new SampledArgument(p.Name, obj, phrase);
    }

    private static SampledArgument SampleString(ToolParameter p, string toolName, Random rng, bool preferLong)
    {
        var meaning = Classify(p, toolName);
        // Weather and forecasts are asked for cities, not "the library".
        if (meaning == Meaning.Location && (toolName.Contains("weather", StringComparison.OrdinalIgnoreCase) || toolName.Contains("forecast", StringComparison.OrdinalIgnoreCase)))
            meaning = Meaning.City;
        var text = StringValue(meaning, rng, preferLong);
        var phrase = new Phrase().Text(Lead(meaning, p, rng));
        var quote = meaning is Meaning.Message or Meaning.Note && rng.Next(3) == 0;
        if (quote) phrase.Text("\"");
        phrase.Value(text);
        if (quote) phrase.Text("\"");
        return new SampledArgument(p.Name, JsonValue.Create(text), phrase.Text(" "));
    }

    public static string StringValue(Meaning meaning, Random rng, bool preferLong) => meaning switch
    {
        Meaning.City => ValuePools.Cities.Pick(rng),
        Meaning.Location => rng.Next(4) == 0 ? ValuePools.Places.Pick(rng) : ValuePools.Cities.Pick(rng),
        Meaning.Destination or Meaning.Origin => rng.Next(3) switch { 0 => ValuePools.Addresses.Pick(rng), 1 => ValuePools.Places.Pick(rng), _ => ValuePools.Cities.Pick(rng) },
        Meaning.Person => rng.Next(3) == 0 ? $"{ValuePools.FirstNames.Pick(rng)} {ValuePools.LastNames.Pick(rng)}" : ValuePools.FirstNames.Pick(rng),
        Meaning.Recipient => rng.Next(6) == 0 ? ValuePools.Relations.Pick(rng) : ValuePools.FirstNames.Pick(rng),
        Meaning.Email => $"{ValuePools.FirstNames.Pick(rng).ToLowerInvariant().Replace("á", "a")}.{ValuePools.LastNames.Pick(rng).ToLowerInvariant()}@{ValuePools.Domains.Pick(rng)}",
        Meaning.Phone => ValuePools.Phones.Pick(rng),
        Meaning.Message => preferLong || rng.Next(4) == 0 ? ValuePools.LongMessages.Pick(rng) : ValuePools.ShortMessages.Pick(rng),
        Meaning.Note => preferLong ? ValuePools.LongMessages.Pick(rng) : ValuePools.Notes.Pick(rng),
        Meaning.Title => ValuePools.Titles.Pick(rng),
        Meaning.Time => ValuePools.Times.Pick(rng),
        Meaning.Date => ValuePools.Dates.Pick(rng),
        Meaning.Query => ValuePools.SearchQueries.Pick(rng),
        Meaning.Topic => ValuePools.Topics.Pick(rng),
        Meaning.Song => ValuePools.Songs.Pick(rng),
        Meaning.Artist => ValuePools.Artists.Pick(rng),
        Meaning.Album => ValuePools.Albums.Pick(rng),
        Meaning.Playlist => ValuePools.Playlists.Pick(rng),
        Meaning.Genre => ValuePools.Genres.Pick(rng),
        Meaning.Item => ValuePools.Items.Pick(rng),
        Meaning.Address => ValuePools.Addresses.Pick(rng),
        Meaning.Url => ValuePools.Urls.Pick(rng),
        Meaning.Language or Meaning.TargetLanguage or Meaning.SourceLanguage => ValuePools.Languages.Pick(rng),
        Meaning.Currency => ValuePools.Currencies.Pick(rng),
        Meaning.App => ValuePools.Apps.Pick(rng),
        Meaning.Room => ValuePools.Rooms.Pick(rng),
        Meaning.Device => ValuePools.Devices.Pick(rng),
        Meaning.Color => ValuePools.Colors.Pick(rng),
        Meaning.File => ValuePools.Files.Pick(rng),
        Meaning.Category => ValuePools.Categories.Pick(rng),
        Meaning.Company => ValuePools.Companies.Pick(rng),
        Meaning.Restaurant => ValuePools.Restaurants.Pick(rng),
        Meaning.Dish => ValuePools.Dishes.Pick(rng),
        Meaning.Exercise => ValuePools.Exercises.Pick(rng),
        Meaning.Media => ValuePools.Media.Pick(rng),
        Meaning.Airport => ValuePools.Airports.Pick(rng),
        Meaning.Country => ValuePools.Countries.Pick(rng),
        Meaning.Unit => ValuePools.Units.Pick(rng),
        Meaning.Handle => ValuePools.Handles.Pick(rng),
        _ => ValuePools.Generic.Pick(rng),
    };

    // The words that introduce a value of this meaning in a sentence.
    private static string Lead(Meaning m, ToolParameter p, Random rng)
    {
        var words = Words.Spoken(p.Name);
        return m switch
        {
            Meaning.City or Meaning.Location => Pick(rng, " in ", " for ", " in ", " near "),
            Meaning.Destination => Pick(rng, " to ", " to get to "),
            Meaning.Origin => " from ",
            Meaning.Recipient => Pick(rng, " to ", " to ", " for "),
            Meaning.Person => Pick(rng, " ", " for ", " with "),
            Meaning.Email => Pick(rng, " to ", " to ", " at "),
            Meaning.Phone => Pick(rng, " at ", " on ", " number "),
            Meaning.Message => Pick(rng, " saying ", " that says ", ": ", " with the message "),
            Meaning.Note => Pick(rng, ": ", " saying ", $" with {words} "),
            Meaning.Title => Pick(rng, " called ", " titled ", " named ", $" with {words} "),
            Meaning.Time => Pick(rng, " at ", " at ", " for "),
            Meaning.Date => Pick(rng, " on ", " for ", " "),
            Meaning.Query or Meaning.Topic => Pick(rng, " for ", " about ", " on "),
            Meaning.Song => Pick(rng, " ", " the song ", " "),
            Meaning.Artist => Pick(rng, " by ", " from "),
            Meaning.Album => " the album ",
            Meaning.Playlist => Pick(rng, " my playlist ", " the playlist "),
            Meaning.Genre => Pick(rng, " some ", " ", " in "),
            Meaning.Item => Pick(rng, " ", " some "),
            Meaning.Address => Pick(rng, " at ", " to "),
            Meaning.Url => Pick(rng, " ", " at "),
            Meaning.TargetLanguage => " into ",
            Meaning.SourceLanguage => " from ",
            Meaning.Language => Pick(rng, " in ", " into "),
            Meaning.Currency => Pick(rng, " in ", " to "),
            Meaning.App => Pick(rng, " on ", " in ", " "),
            Meaning.Room => Pick(rng, " in the ", " for the "),
            Meaning.Device => Pick(rng, " the ", " for the "),
            Meaning.Color => Pick(rng, " to ", " in "),
            Meaning.File => Pick(rng, " ", " the file "),
            Meaning.Category => Pick(rng, " under ", " in ", $" with {words} "),
            Meaning.Company or Meaning.Restaurant => Pick(rng, " at ", " from "),
            Meaning.Dish => Pick(rng, " for ", " "),
            Meaning.Exercise => Pick(rng, " ", " of ", ": "),
            Meaning.Media => Pick(rng, " ", " "),
            Meaning.Airport => Pick(rng, " from ", " at "),
            Meaning.Country => Pick(rng, " in ", " for "),
            Meaning.Unit => Pick(rng, " in ", " to "),
            Meaning.Handle => Pick(rng, " ", " to "),
            _ => Pick(rng, $" with {words} ", $", {words}: ", $" {words} ", $" and the {words} is "),
        };
    }

    internal static string NumberWord(int n) => n switch
    {
        2 => "two", 3 => "three", 4 => "four", 5 => "five", 6 => "six", 7 => "seven", 8 => "eight", 9 => "nine", 10 => "ten", 11 => "eleven", 12 => "twelve",
        _ => n.ToString(CultureInfo.InvariantCulture),
    };

    internal static string Pick(Random rng, params string[] options) => options[rng.Next(options.Length)];
}
