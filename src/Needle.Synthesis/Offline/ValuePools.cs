namespace Needle.Synthesis.Offline;

/// <summary>Realistic values the offline generator quotes in queries. Kept varied in culture, length and format.</summary>
internal static class ValuePools
{
    public static readonly string[] Cities =
    [
        "Paris", "Tokyo", "Lisbon", "Nairobi", "São Paulo", "Toronto", "Mumbai", "Berlin", "Seattle", "Melbourne", "Cairo", "Oslo",
        "Denver", "Austin", "Dublin", "Seoul", "Mexico City", "Cape Town", "Reykjavik", "Chicago", "Boston", "Madrid", "Rome",
        "Istanbul", "Hanoi", "Lima", "Vancouver", "Edinburgh", "Kyoto", "Marrakech", "Buenos Aires", "Singapore", "Lagos", "Warsaw",
    ];

    public static readonly string[] FirstNames =
    [
        "Maya", "Liam", "Aisha", "Kenji", "Sofia", "Mateo", "Priya", "Oluwaseun", "Chen", "Fatima", "Noah", "Elena", "Diego", "Amara",
        "Lars", "Yuki", "Omar", "Zoe", "Ravi", "Ingrid", "Kwame", "Lucia", "Hana", "Tomás", "Nadia", "Ethan", "Mei", "Sven", "Layla",
        "Arjun", "Beatriz", "Jonas", "Chloe", "Dmitri", "Grace", "Hiroshi", "Isabel", "Malik", "Nora", "Pedro",
    ];

    public static readonly string[] LastNames =
    [
        "Lopez", "Okafor", "Tanaka", "Schmidt", "Rossi", "Patel", "Nguyen", "Kowalski", "Haddad", "Johansson", "Kim", "Silva", "Murphy",
        "Dubois", "Mensah", "Ivanova", "Garcia", "Chen", "Walker", "Novak",
    ];

    public static readonly string[] Relations = ["mom", "dad", "my sister", "my brother", "grandma", "my boss", "the landlord", "my roommate"];

    public static readonly string[] Times =
    [
        "7:30 am", "noon", "6 pm", "18:45", "9:15", "8 am", "10:30 pm", "5:45 pm", "midnight", "11 am", "3:20 pm", "6:05 am", "21:00", "4 pm",
    ];

    public static readonly string[] Dates =
    [
        "tomorrow", "next Friday", "March 3rd", "2026-12-24", "this weekend", "Monday", "June 14", "the 21st", "next Tuesday",
        "December 31", "tonight", "Sunday morning", "April 2", "the first of May",
    ];

    public static readonly string[] ShortMessages =
    [
        "running 10 minutes late", "can you pick up milk on the way home", "happy birthday!", "the meeting moved to 3", "don't forget the keys",
        "call me when you land", "dinner's ready 🍝", "on my way", "thanks for today", "see you at the gym", "good luck on the exam!",
        "parking is on level 2", "the package arrived", "love you ❤️", "is the report done?", "I'll bring the snacks",
    ];

    public static readonly string[] LongMessages =
    [
        "I'm stuck in traffic on the bridge so please start the meeting without me and I'll join by phone",
        "the plumber is coming between two and four tomorrow so someone needs to be home to let him in",
        "remember that the school trip forms have to be signed and returned before Thursday morning",
        "I booked the table for eight people at the Italian place near the station for Saturday evening",
        "please water the tomato plants on the balcony while I'm away and leave the mail on the kitchen table",
        "the wifi password changed this morning, it's written on the sticky note next to the router",
        "can we move our weekly check-in to Wednesday afternoon because I have a dentist appointment",
        "don't forget to feed the cat twice a day and the litter box needs cleaning on Sunday",
    ];

    public static readonly string[] Titles =
    [
        "Quarterly review", "Dentist appointment", "Team lunch", "Pasta night", "Book club", "Flight to Denver", "Gym session",
        "Parent-teacher meeting", "Car service", "Project kickoff", "Mom's birthday", "Yoga class", "Budget planning", "Grocery run",
    ];

    public static readonly string[] Notes =
    [
        "buy new lightbulbs for the hallway", "ideas for the garden: tulips, lavender and a small bench", "ask Priya about the invoice",
        "the wifi router reset code is on the back", "passport renewal needs two photos", "try the ramen place on 5th street",
        "return the library books by Friday", "call the bank about the card",
    ];

    public static readonly string[] Songs =
    [
        "Bohemian Rhapsody", "Blinding Lights", "Clair de Lune", "Hey Jude", "Dancing Queen", "Levitating", "Take Five", "Bad Guy",
        "Shape of You", "Despacito", "Hotel California", "Flowers", "Superstition", "As It Was",
    ];

    public static readonly string[] Artists = ["Taylor Swift", "Miles Davis", "Daft Punk", "Adele", "Bad Bunny", "Norah Jones", "BTS", "Fela Kuti", "Radiohead", "Beyoncé"];
    public static readonly string[] Playlists = ["Chill Vibes", "Morning Run", "Focus Beats", "Road Trip Mix", "Dinner Jazz", "Sleep Sounds"];
    public static readonly string[] Albums = ["Abbey Road", "Kind of Blue", "Random Access Memories", "Rumours", "Thriller", "Lemonade"];
    public static readonly string[] Genres = ["jazz", "lo-fi", "rock", "classical", "hip hop", "reggaeton", "ambient", "country"];

    public static readonly string[] SearchQueries =
    [
        "vegan lasagna recipe", "best hiking trails nearby", "how to fix a leaky faucet", "cheap flights to Rome", "python list comprehension",
        "symptoms of dehydration", "opening hours of the post office", "electric bikes under 1000", "how long to boil an egg",
        "museums open on Sunday", "toddler friendly restaurants", "history of the Roman empire",
    ];

    public static readonly string[] Items =
    [
        "oat milk", "AA batteries", "paper towels", "coffee beans", "running shoes", "a birthday card", "dish soap", "avocados",
        "printer paper", "dog food", "sunscreen", "basmati rice", "a phone charger", "fresh basil",
    ];

    public static readonly string[] Addresses =
    [
        "221B Baker Street", "42 Elm Street", "350 Fifth Avenue", "10 Downing Street", "1600 Pennsylvania Avenue", "7 Rue de Rivoli",
        "88 Harbour Road", "15 Maple Drive", "500 Market Street",
    ];

    public static readonly string[] Places =
    [
        "the airport", "the office", "Central Station", "the nearest pharmacy", "the gym", "Union Square", "the Louvre",
        "the hospital", "the stadium", "the library",
    ];

    public static readonly string[] Phones = ["+1 415 555 0132", "555-0199", "020 7946 0958", "+44 7700 900123", "(212) 555-0147", "+81 3 5555 0101"];
    public static readonly string[] Urls = ["https://example.com/docs", "news.ycombinator.com", "https://en.wikipedia.org/wiki/Jazz", "github.com/dotnet/runtime", "https://weather.gov"];
    public static readonly string[] Domains = ["example.com", "mail.com", "work.org", "uni.edu"];
    public static readonly string[] Languages = ["Spanish", "French", "Japanese", "German", "Portuguese", "Italian", "Korean", "Arabic", "Hindi", "Swahili"];
    public static readonly string[] Currencies = ["USD", "EUR", "JPY", "GBP", "CAD", "INR", "BRL"];
    public static readonly string[] Apps = ["Spotify", "Maps", "Camera", "Calendar", "WhatsApp", "Slack", "Notes", "Netflix", "Photos"];
    public static readonly string[] Rooms = ["living room", "kitchen", "bedroom", "garage", "office", "bathroom", "kids' room", "porch"];
    public static readonly string[] Devices = ["lights", "fan", "TV", "heater", "speaker", "air purifier", "coffee maker", "robot vacuum"];
    public static readonly string[] Colors = ["red", "blue", "warm white", "green", "purple", "orange", "teal", "soft pink"];
    public static readonly string[] Files = ["budget_2026.xlsx", "vacation photos", "resume.pdf", "notes.txt", "Q3 report", "tax documents", "wedding playlist"];
    public static readonly string[] Categories = ["groceries", "work", "personal", "travel", "health", "school", "bills", "hobbies"];
    public static readonly string[] Topics = ["climate change", "the history of jazz", "machine learning", "marathon training", "sourdough baking", "the stock market", "space exploration"];
    public static readonly string[] Companies = ["the hardware store", "City Dental", "Acme Corp", "Northwind Traders", "the bike shop", "Greenfield Pharmacy"];
    public static readonly string[] Restaurants = ["Luigi's Pizzeria", "Green Leaf Cafe", "Sakura Sushi", "Sunrise Bakery", "Taco Loco", "Blue Bottle Coffee", "Spice Route"];
    public static readonly string[] Dishes = ["chicken tikka masala", "banana bread", "pad thai", "shakshuka", "mushroom risotto", "tacos al pastor"];
    public static readonly string[] Exercises = ["squats", "push-ups", "deadlifts", "lunges", "bench press", "pull-ups", "a 5k run", "yoga", "rowing", "burpees"];
    public static readonly string[] Media = ["Dune", "The Office", "Planet Earth", "Pride and Prejudice", "Stranger Things", "The Daily podcast"];
    public static readonly string[] Airports = ["JFK", "LHR", "NRT", "CDG", "SFO", "DXB", "GRU"];
    public static readonly string[] Countries = ["Japan", "Kenya", "Brazil", "Canada", "Norway", "India", "Portugal", "Vietnam"];
    public static readonly string[] Units = ["celsius", "fahrenheit", "kilometers", "miles", "kilograms", "pounds", "liters", "cups"];
    public static readonly string[] Handles = ["@maya_travels", "@chef_kenji", "@run.with.liam", "@aisha.codes", "@the_real_omar"];

    public static readonly string[] Generic =
    [
        "project atlas", "the blue folder", "weekly summary", "spring cleaning", "the garden shed", "morning routine", "team offsite",
        "reading list", "home office", "summer trip",
    ];

    public static string Pick(this string[] pool, Random rng) => pool[rng.Next(pool.Length)];
}
