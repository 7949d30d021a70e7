using static PaymentActors.Node.Tests.Cli.ReplayHarness;

namespace PaymentActors.Node.Tests.Cli;

/// <summary>Replay-tool scenarios. Every expected output was derived by hand from the rules:
/// fire when W >= end-1, expire when W >= end-1+L; comments show the derivation.</summary>
public sealed class ReplayWindowsInProcessTests
{
    [Fact]
    public void Tumbling_out_of_order_events_and_a_dropped_late_event()
    {
        var lines = RunWithAndWithoutRestores(
            "--window tumbling:3000",
            """{"key":"k1","value":1,"ts":1000}""",  // k1 [0,3000)
            """{"watermark":1000}""",                // nothing: [0,3000) fires at 2999
            """{"key":"k1","value":2,"ts":3999}""",  // k1 [3000,6000)
            """{"key":"k1","value":4,"ts":500}""",   // ts <= W but [0,3000) has not fired: simply added
            """{"key":"k2","value":8,"ts":2999}""",  // k2 [0,3000)
            "",
            "   ",
            """{"watermark":2999}""",                // fires k1 [0,3000) 5/2, then k2 8/1 (key order)
            """{"key":"k1","value":16,"ts":1998}""", // [0,3000) expired (L=0): late, dropped
            """{"key":"k1","value":32,"ts":3000}""", // k1 [3000,6000)
            """{"watermark":5998}""",                // nothing
            """{"watermark":5999}""",                // k1 [3000,6000) 34/2
            """{"key":"k3","value":1,"ts":7000}""");  // never fired: no flush at end of input

        Assert.Equal(
            new[]
            {
                """{"watermark":1000}""",
                """{"key":"k1","start":0,"end":3000,"sum":5,"count":2}""",
                """{"key":"k2","start":0,"end":3000,"sum":8,"count":1}""",
                """{"watermark":2999}""",
                """{"watermark":5998}""",
                """{"key":"k1","start":3000,"end":6000,"sum":34,"count":2}""",
                """{"watermark":5999}""",
                """{"lateDropped":1}""",
            },
            lines);
    }

    [Fact]
    public void Firings_of_one_watermark_are_ordered_by_end_then_start_then_ordinal_key()
    {
        var lines = RunWithAndWithoutRestores(
            "--window sliding:2000/1000",
            """{"key":"b","value":1,"ts":1500}""", // b: [0,2000) [1000,3000)
            """{"key":"a","value":2,"ts":1500}""", // a: [0,2000) [1000,3000)
            """{"key":"B","value":4,"ts":500}""",  // B: [-1000,1000) [0,2000)
            """{"watermark":5000}""");

        Assert.Equal(
            new[]
            {
                """{"key":"B","start":-1000,"end":1000,"sum":4,"count":1}""",
                """{"key":"B","start":0,"end":2000,"sum":4,"count":1}""",
                """{"key":"a","start":0,"end":2000,"sum":2,"count":1}""",
                """{"key":"b","start":0,"end":2000,"sum":1,"count":1}""",
                """{"key":"a","start":1000,"end":3000,"sum":2,"count":1}""",
                """{"key":"b","start":1000,"end":3000,"sum":1,"count":1}""",
                """{"watermark":5000}""",
                """{"lateDropped":0}""",
            },
            lines);
    }

    private static readonly string[] LatenessInput =
    [
        """{"key":"a","value":1,"ts":100}""",
        """{"key":"a","value":2,"ts":999}""",
        """{"watermark":999}""",              // [0,1000) fires; expires at 999+500=1499
        """{"key":"a","value":4,"ts":500}""", // fired, not expired: late firing
        """{"watermark":1498}""",             // nothing
        """{"key":"a","value":8,"ts":0}""",   // late firing again
        """{"watermark":1499}""",             // [0,1000) cleaned up
        """{"key":"a","value":16,"ts":999}""",// late: dropped
        """{"key":"a","value":32,"ts":1200}""",// [1000,2000) not fired: added silently
        """{"watermark":2000}""",             // [1000,2000) fires
    ];

    [Fact]
    public void Tumbling_allowed_lateness_accumulating_late_firings()
    {
        var lines = RunWithAndWithoutRestores("--window tumbling:1000 --lateness 500", LatenessInput);
        Assert.Equal(
            new[]
            {
                """{"key":"a","start":0,"end":1000,"sum":3,"count":2}""",
                """{"watermark":999}""",
                """{"key":"a","start":0,"end":1000,"sum":7,"count":3}""",
                """{"watermark":1498}""",
                """{"key":"a","start":0,"end":1000,"sum":15,"count":4}""",
                """{"watermark":1499}""",
                """{"key":"a","start":1000,"end":2000,"sum":32,"count":1}""",
                """{"watermark":2000}""",
                """{"lateDropped":1}""",
            },
            lines);
    }

    [Fact]
    public void Tumbling_allowed_lateness_purging_late_firings_emit_only_new_contents()
    {
        var lines = RunWithAndWithoutRestores("--window tumbling:1000 --lateness 500 --trigger purging", LatenessInput);
        Assert.Equal(
            new[]
            {
                """{"key":"a","start":0,"end":1000,"sum":3,"count":2}""",
                """{"watermark":999}""",
                """{"key":"a","start":0,"end":1000,"sum":4,"count":1}""",
                """{"watermark":1498}""",
                """{"key":"a","start":0,"end":1000,"sum":8,"count":1}""",
                """{"watermark":1499}""",
                """{"key":"a","start":1000,"end":2000,"sum":32,"count":1}""",
                """{"watermark":2000}""",
                """{"lateDropped":1}""",
            },
            lines);
    }

    [Fact]
    public void Flag_order_and_equals_syntax_do_not_matter()
    {
        var a = Run("--trigger=purging --lateness=500 --window=tumbling:1000", LatenessInput);
        var b = Run("--window tumbling:1000 --lateness 500 --trigger purging", LatenessInput);
        Assert.Equal(0, a.ExitCode);
        Assert.Equal(b.Stdout, a.Stdout);
    }

    private static readonly string[] LateOutputInput =
    [
        """{"key":"k1","value":1,"ts":10}""",
        """{"watermark":1500}""",               // fires k1 [0,1000)
        """{"key":"k1","value":1,"ts":1998}""", // [1000,2000) not fired yet: accepted
        """{"key":"k\"1","value":5,"ts":999}""",// [0,1000) expired: late
        """{"key":"k1","value":7,"ts":-3}""",   // [-1000,0) expired: late
        """{"watermark":1999}""",               // fires k1 [1000,2000)
    ];

    [Fact]
    public void Late_events_go_to_late_output_when_configured()
    {
        var lines = RunWithAndWithoutRestores("--window tumbling:1000 --late-output", LateOutputInput);
        Assert.Equal(
            new[]
            {
                """{"key":"k1","start":0,"end":1000,"sum":1,"count":1}""",
                """{"watermark":1500}""",
                """{"late":{"key":"k\"1","value":5,"ts":999}}""",
                """{"late":{"key":"k1","value":7,"ts":-3}}""",
                """{"key":"k1","start":1000,"end":2000,"sum":1,"count":1}""",
                """{"watermark":1999}""",
                """{"lateDropped":0}""",
            },
            lines);
    }

    [Fact]
    public void Late_events_are_counted_when_late_output_is_off()
    {
        var lines = RunWithAndWithoutRestores("--window tumbling:1000", LateOutputInput);
        Assert.Equal(
            new[]
            {
                """{"key":"k1","start":0,"end":1000,"sum":1,"count":1}""",
                """{"watermark":1500}""",
                """{"key":"k1","start":1000,"end":2000,"sum":1,"count":1}""",
                """{"watermark":1999}""",
                """{"lateDropped":2}""",
            },
            lines);
    }

    [Fact]
    public void Sliding_windows_before_zero_and_negative_timestamps()
    {
        var lines = RunWithAndWithoutRestores(
            "--window sliding:3000/1000",
            """{"key":"a","value":1,"ts":500}""",     // [-2000,1000) [-1000,2000) [0,3000)
            """{"key":"a","value":10,"ts":-1}""",     // [-3000,0) [-2000,1000) [-1000,2000)
            """{"key":"a","value":100,"ts":-1001}""", // [-4000,-1000) [-3000,0) [-2000,1000) (floor, not truncation)
            """{"watermark":-1}""",                   // fires windows with end-1 <= -1: ends -1000 and 0
            """{"watermark":2999}""",                 // ends 1000, 2000, 3000
            """{"key":"a","value":7,"ts":2999}""",    // [0,3000) expired; [1000,4000) [2000,5000) live
            """{"watermark":10000}""",
            """{"key":"a","value":9,"ts":5000}""");   // [3000,6000) [4000,7000) [5000,8000) all expired: late

        Assert.Equal(
            new[]
            {
                """{"key":"a","start":-4000,"end":-1000,"sum":100,"count":1}""",
                """{"key":"a","start":-3000,"end":0,"sum":110,"count":2}""",
                """{"watermark":-1}""",
                """{"key":"a","start":-2000,"end":1000,"sum":111,"count":3}""",
                """{"key":"a","start":-1000,"end":2000,"sum":11,"count":2}""",
                """{"key":"a","start":0,"end":3000,"sum":1,"count":1}""",
                """{"watermark":2999}""",
                """{"key":"a","start":1000,"end":4000,"sum":7,"count":1}""",
                """{"key":"a","start":2000,"end":5000,"sum":7,"count":1}""",
                """{"watermark":10000}""",
                """{"lateDropped":1}""",
            },
            lines);
    }

    [Fact]
    public void Tumbling_negative_timestamps_use_floor_division()
    {
        var lines = RunWithAndWithoutRestores(
            "--window tumbling:1000",
            """{"key":"a","value":1,"ts":-1}""",    // [-1000,0)
            """{"key":"a","value":2,"ts":-1000}""", // [-1000,0)
            """{"key":"a","value":4,"ts":-1001}""", // [-2000,-1000)
            """{"key":"a","value":8,"ts":0}""",     // [0,1000)
            """{"watermark":-1}""");
        Assert.Equal(
            new[]
            {
                """{"key":"a","start":-2000,"end":-1000,"sum":4,"count":1}""",
                """{"key":"a","start":-1000,"end":0,"sum":3,"count":2}""",
                """{"watermark":-1}""",
                """{"lateDropped":0}""",
            },
            lines);
    }

    [Fact]
    public void Sliding_event_partially_late_updates_only_its_live_windows()
    {
        var lines = RunWithAndWithoutRestores(
            "--window sliding:3000/1000 --lateness 1000",
            """{"key":"a","value":1,"ts":2500}""", // [0,3000) [1000,4000) [2000,5000)
            """{"watermark":3999}""",              // fires [0,3000) and [1000,4000)
            """{"key":"a","value":2,"ts":2000}""", // [0,3000) expired (2999+1000<=3999); [1000,4000) late firing; [2000,5000) silent
            """{"key":"a","value":4,"ts":0}""",    // [-2000,1000) [-1000,2000) [0,3000) all expired: late
            """{"watermark":4999}""");             // fires [2000,5000) 3/2

        Assert.Equal(
            new[]
            {
                """{"key":"a","start":0,"end":3000,"sum":1,"count":1}""",
                """{"key":"a","start":1000,"end":4000,"sum":1,"count":1}""",
                """{"watermark":3999}""",
                """{"key":"a","start":1000,"end":4000,"sum":3,"count":2}""",
                """{"key":"a","start":2000,"end":5000,"sum":3,"count":2}""",
                """{"watermark":4999}""",
                """{"lateDropped":1}""",
            },
            lines);
    }

    [Fact]
    public void Session_merges_including_an_event_bridging_two_sessions()
    {
        var lines = RunWithAndWithoutRestores(
            "--window session:1000",
            """{"key":"u","value":1,"ts":0}""",    // u [0,1000)
            """{"key":"u","value":2,"ts":2500}""", // u [2500,3500)
            """{"key":"v","value":5,"ts":1200}""", // v [1200,2200)
            """{"key":"u","value":4,"ts":1500}""", // [1500,2500) touches [2500,3500) -> [1500,3500)
            """{"key":"u","value":8,"ts":1000}""", // [1000,2000) touches [0,1000) and [1500,3500) -> [0,3500)
            """{"watermark":2199}""",              // v [1200,2200) fires
            """{"key":"u","value":16,"ts":2400}""",// [2400,3400) inside [0,3500): no change of bounds
            """{"watermark":3498}""",
            """{"watermark":3499}""");             // u [0,3500) fires

        Assert.Equal(
            new[]
            {
                """{"key":"v","start":1200,"end":2200,"sum":5,"count":1}""",
                """{"watermark":2199}""",
                """{"watermark":3498}""",
                """{"key":"u","start":0,"end":3500,"sum":31,"count":5}""",
                """{"watermark":3499}""",
                """{"lateDropped":0}""",
            },
            lines);
    }

    [Fact]
    public void Sessions_that_do_not_touch_stay_apart()
    {
        var lines = RunWithAndWithoutRestores(
            "--window session:1000",
            """{"key":"u","value":1,"ts":0}""",    // [0,1000)
            """{"key":"u","value":2,"ts":1001}""", // [1001,2001): 1001 > 1000, no merge
            """{"watermark":5000}""");
        Assert.Equal(
            new[]
            {
                """{"key":"u","start":0,"end":1000,"sum":1,"count":1}""",
                """{"key":"u","start":1001,"end":2001,"sum":2,"count":1}""",
                """{"watermark":5000}""",
                """{"lateDropped":0}""",
            },
            lines);
    }

    private static readonly string[] SessionLatenessInput =
    [
        """{"key":"u","value":1,"ts":0}""",     // [0,1000)
        """{"watermark":999}""",                // fires [0,1000)
        """{"key":"u","value":2,"ts":500}""",   // [500,1500) merges -> [0,1500); end-1 1499 > W: no firing yet
        """{"watermark":1499}""",               // fires [0,1500)
        """{"key":"u","value":4,"ts":200}""",   // inside [0,1500), fired, not expired: late firing
        """{"watermark":3498}""",               // [0,1500) still live (expires at 1499+2000)
        """{"key":"u","value":64,"ts":-1000}""",// [-1000,0) alone is expired (-1+2000<=3498) but touches [0,1500): merged [-1000,1500), late firing
        """{"watermark":3499}""",               // [-1000,1500) expires
        """{"key":"u","value":8,"ts":2400}""",  // new [2400,3400): fired already (3399<=3499), not expired: late firing
        """{"key":"u","value":16,"ts":100}""",  // [100,1100) touches nothing live, expired: late
        """{"key":"u","value":32,"ts":1400}""", // [1400,2400) touches [2400,3400): merged [1400,3400), late firing
    ];

    [Fact]
    public void Session_lateness_accumulating()
    {
        var lines = RunWithAndWithoutRestores("--window session:1000 --lateness 2000", SessionLatenessInput);
        Assert.Equal(
            new[]
            {
                """{"key":"u","start":0,"end":1000,"sum":1,"count":1}""",
                """{"watermark":999}""",
                """{"key":"u","start":0,"end":1500,"sum":3,"count":2}""",
                """{"watermark":1499}""",
                """{"key":"u","start":0,"end":1500,"sum":7,"count":3}""",
                """{"watermark":3498}""",
                """{"key":"u","start":-1000,"end":1500,"sum":71,"count":4}""",
                """{"watermark":3499}""",
                """{"key":"u","start":2400,"end":3400,"sum":8,"count":1}""",
                """{"key":"u","start":1400,"end":3400,"sum":40,"count":2}""",
                """{"lateDropped":1}""",
            },
            lines);
    }

    [Fact]
    public void Session_lateness_purging_merges_purged_windows()
    {
        var lines = RunWithAndWithoutRestores("--window session:1000 --lateness 2000 --trigger purging --late-output", SessionLatenessInput);
        Assert.Equal(
            new[]
            {
                """{"key":"u","start":0,"end":1000,"sum":1,"count":1}""",
                """{"watermark":999}""",
                """{"key":"u","start":0,"end":1500,"sum":2,"count":1}""",
                """{"watermark":1499}""",
                """{"key":"u","start":0,"end":1500,"sum":4,"count":1}""",
                """{"watermark":3498}""",
                """{"key":"u","start":-1000,"end":1500,"sum":64,"count":1}""",
                """{"watermark":3499}""",
                """{"key":"u","start":2400,"end":3400,"sum":8,"count":1}""",
                """{"late":{"key":"u","value":16,"ts":100}}""",
                """{"key":"u","start":1400,"end":3400,"sum":32,"count":1}""",
                """{"lateDropped":0}""",
            },
            lines);
    }

    [Fact]
    public void Purged_window_that_is_not_refilled_emits_nothing()
    {
        // Session [0,1000) fires and is purged at 999; the event at 1000 touches it, so the merged
        // session [0,2000) holds only that event. A purged session refilled by nothing emits nothing.
        var lines = RunWithAndWithoutRestores(
            "--window session:1000 --lateness 5000 --trigger purging",
            """{"key":"u","value":1,"ts":0}""",
            """{"key":"w","value":3,"ts":0}""",
            """{"watermark":999}""",
            """{"key":"u","value":2,"ts":1000}""",
            """{"watermark":1999}""",
            """{"watermark":9999}""");
        Assert.Equal(
            new[]
            {
                """{"key":"u","start":0,"end":1000,"sum":1,"count":1}""",
                """{"key":"w","start":0,"end":1000,"sum":3,"count":1}""",
                """{"watermark":999}""",
                """{"key":"u","start":0,"end":2000,"sum":2,"count":1}""",
                """{"watermark":1999}""",
                """{"watermark":9999}""",
                """{"lateDropped":0}""",
            },
            lines);
    }

    [Fact]
    public void Mid_stream_restore_line_gives_identical_output()
    {
        string[] input =
        [
            """{"key":"a","value":1,"ts":100}""",
            """{"key":"b","value":2,"ts":1100}""",
            """{"watermark":999}""",
            """{"key":"a","value":4,"ts":900}""",
            """{"key":"b","value":8,"ts":1500}""",
            """{"watermark":1999}""",
            """{"key":"a","value":16,"ts":50}""",
            """{"watermark":2600}""",
        ];
        var plain = Run("--window tumbling:1000 --lateness 1500", input);
        var withRestore = Run("--window tumbling:1000 --lateness 1500", [.. input[..4], """{"restore":true}""", .. input[4..]]);
        Assert.Equal(0, withRestore.ExitCode);
        Assert.Equal(
            """
            {"key":"a","start":0,"end":1000,"sum":1,"count":1}
            {"watermark":999}
            {"key":"a","start":0,"end":1000,"sum":5,"count":2}
            {"key":"b","start":1000,"end":2000,"sum":10,"count":2}
            {"watermark":1999}
            {"key":"a","start":0,"end":1000,"sum":21,"count":3}
            {"watermark":2600}
            {"lateDropped":0}

            """.ReplaceLineEndings("\n"),
            plain.Stdout);
        Assert.Equal(plain.Stdout, withRestore.Stdout);
    }

    [Fact]
    public void Restore_keeps_the_late_dropped_counter_and_the_watermark()
    {
        var r = Run(
            "--window tumbling:10",
            """{"watermark":100}""",
            """{"key":"a","value":1,"ts":5}""",
            """{"restore":true}""",
            """{"key":"a","value":1,"ts":6}""",
            """{"restore":true}""",
            """{"watermark":99}""");
        Assert.Equal(2, r.ExitCode);
        Assert.Contains("line 6", r.Stderr);
        Assert.Equal("{\"watermark\":100}\n", r.Stdout);

        var ok = Run("--window tumbling:10", """{"watermark":100}""", """{"key":"a","value":1,"ts":5}""", """{"restore":true}""", """{"key":"a","value":1,"ts":6}""");
        Assert.Equal("{\"watermark\":100}\n{\"lateDropped\":2}\n", ok.Stdout);
    }

    [Fact]
    public void Empty_input_prints_only_the_late_dropped_line()
    {
        var r = Run(["--window", "session:5"], "");
        Assert.Equal(0, r.ExitCode);
        Assert.Equal("{\"lateDropped\":0}\n", r.Stdout);
    }

    [Theory]
    [InlineData("{\"key\":", "malformed JSON")]
    [InlineData("not json", "malformed JSON")]
    [InlineData("[1,2]", "JSON object")]
    [InlineData("42", "JSON object")]
    [InlineData("{}", "expected an event")]
    [InlineData("{\"key\":\"a\",\"ts\":1}", "missing field 'value'")]
    [InlineData("{\"value\":1,\"ts\":1}", "missing field 'key'")]
    [InlineData("{\"key\":\"a\",\"value\":1}", "missing field 'ts'")]
    [InlineData("{\"key\":1,\"value\":1,\"ts\":1}", "'key' must be a string")]
    [InlineData("{\"key\":null,\"value\":1,\"ts\":1}", "'key' must be a string")]
    [InlineData("{\"key\":\"a\",\"value\":1.5,\"ts\":1}", "'value' must be an integer")]
    [InlineData("{\"key\":\"a\",\"value\":\"1\",\"ts\":1}", "'value' must be an integer")]
    [InlineData("{\"key\":\"a\",\"value\":1,\"ts\":99999999999999999999}", "'ts' must be an integer")]
    [InlineData("{\"key\":\"a\",\"value\":1,\"ts\":true}", "'ts' must be an integer")]
    [InlineData("{\"watermark\":\"5\"}", "'watermark' must be an integer")]
    [InlineData("{\"watermark\":5.5}", "'watermark' must be an integer")]
    [InlineData("{\"restore\":false}", "'restore' must be true")]
    [InlineData("{\"restore\":1}", "'restore' must be true")]
    [InlineData("{\"key\":\"a\",\"value\":1,\"ts\":1,\"extra\":1}", "unknown field 'extra'")]
    [InlineData("{\"key\":\"a\",\"value\":1,\"ts\":1,\"ts\":2}", "duplicate field 'ts'")]
    [InlineData("{\"watermark\":5,\"key\":\"a\",\"value\":1,\"ts\":1}", "exactly one of")]
    [InlineData("{\"watermark\":5,\"restore\":true}", "exactly one of")]
    [InlineData("{\"watermark\":0}", "watermark went backwards")]
    [InlineData("{\"key\":\"a\",\"value\":9223372036854775807,\"ts\":1500}", "overflow")]
    [InlineData("{\"key\":\"a\",\"value\":1,\"ts\":-9223372036854775808}", "timestamp")]
    public void Bad_input_line_exits_2_naming_the_line(string badLine, string expectedMessage)
    {
        var r = Run(
            "--window tumbling:1000",
            """{"key":"a","value":1,"ts":1000}""",
            "",
            """{"watermark":10}""",
            badLine,
            """{"key":"a","value":1,"ts":2000}""");
        Assert.Equal(2, r.ExitCode);
        Assert.Contains("line 4", r.Stderr);
        Assert.Contains(expectedMessage, r.Stderr);
        Assert.DoesNotContain("lateDropped", r.Stdout);
    }

    [Theory]
    [InlineData("", "Option '--window' is required")]
    [InlineData("--window", "Required argument missing for option: '--window'")]
    [InlineData("--window tumbling:0", "SIZE > 0")]
    [InlineData("--window tumbling:-5", "SIZE > 0")]
    [InlineData("--window tumbling:abc", "SIZE > 0")]
    [InlineData("--window tumbling", "SIZE > 0")]
    [InlineData("--window sliding:1000", "two integers")]
    [InlineData("--window sliding:0/0", "must be > 0")]
    [InlineData("--window sliding:1000/0", "must be > 0")]
    [InlineData("--window sliding:-1000/10", "must be > 0")]
    [InlineData("--window sliding:1000/2000", "SLIDE must not exceed SIZE")]
    [InlineData("--window session:0", "GAP > 0")]
    [InlineData("--window hopping:5", "--window must be")]
    [InlineData("--window tumbling:10 --trigger eager", "--trigger must be")]
    [InlineData("--window tumbling:10 --lateness -1", "--lateness must be")]
    [InlineData("--window tumbling:10 --lateness x", "--lateness must be")]
    [InlineData("--window tumbling:10 --lateness", "Required argument missing for option: '--lateness'")]
    [InlineData("--window tumbling:10 --bogus", "Unrecognized command or argument '--bogus'")]
    [InlineData("--window tumbling:10 stray", "Unrecognized command or argument 'stray'")]
    [InlineData("--window tumbling:10 --window tumbling:20", "'--window' expects a single argument but 2 were provided")]
    [InlineData("--window tumbling:10 --late-output=yes", "'yes'")]
    public void Bad_arguments_exit_2_with_a_clear_message(string args, string expectedMessage)
    {
        var r = Run(args, """{"key":"a","value":1,"ts":1}""");
        Assert.StartsWith("error: ", r.Stderr);
        Assert.Equal(2, r.ExitCode);
        Assert.Contains(expectedMessage, r.Stderr);
        Assert.Equal(string.Empty, r.Stdout);
    }

    [Fact]
    public void Options_take_their_value_after_a_space_or_an_equals_sign()
    {
        var spaced = Run(["--window", "tumbling:10", "--lateness", "5", "--trigger", "purging"], "{\"key\":\"a\",\"value\":1,\"ts\":1}\n{\"watermark\":100}\n");
        var joined = Run(["--window=tumbling:10", "--lateness=5", "--trigger=purging"], "{\"key\":\"a\",\"value\":1,\"ts\":1}\n{\"watermark\":100}\n");
        Assert.Equal(0, spaced.ExitCode);
        Assert.Equal(spaced.Stdout, joined.Stdout);
        Assert.Contains("\"sum\":1", joined.Stdout);
    }
}
