using System.Globalization;
using PaymentActors.Domain.Ingestion;
using PaymentActors.Domain.Transactions;
using PaymentActors.Domain.Windows;
using PaymentActors.Testing;

namespace PaymentActors.Domain.Tests.Ingestion;

public sealed class ParserTests
{
    // A clock at 42 ms with a century of allowed skew: the sample rows (2026) are not "in the future" here.
    private static readonly IngestionOptions Options = new() { Clock = () => 42, MaxFutureSkew = TimeSpan.FromDays(36_500) };
    private const string Good = "1,TRANSFER,181.00,C1305486145,181.0,0.0,C553264065,0.0,0.0,1,0";

    private static ParseResult PaySim(string line, long number = 2) => new PaySimParser(Options).Parse(new RawRecord("paysim.csv", number, line));

    private static void AssertDead(ParseResult r, string field, string reasonPart)
    {
        Assert.Equal(ParseKind.DeadLetter, r.Kind);
        Assert.Equal(field, r.DeadLetter!.Field);
        Assert.Contains(reasonPart, r.DeadLetter.Reason);
        Assert.StartsWith(field + ":", r.DeadLetter.Reason);
    }

    [Fact]
    public void A_paysim_row_becomes_a_request_with_a_derived_id_event_time_and_labels_kept_aside()
    {
        var r = PaySim(Good);
        Assert.Equal(ParseKind.Transaction, r.Kind);
        var t = r.Transaction!;
        Assert.Equal(TransactionType.Transfer, t.Request.Type);
        Assert.Equal(18_100, t.Request.AmountMinor);
        Assert.Equal("C1305486145", t.Request.AccountId);
        Assert.Equal("C553264065", t.Request.Counterparty);
        Assert.Equal(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero).ToUnixTimeMilliseconds(), t.Request.EventTimeMs);
        Assert.True(t.IsFraud);
        Assert.False(t.IsFlaggedFraud);
        Assert.True(t.Filled.HasFlag(FilledFields.TransactionId));
        Assert.Equal(t.Request.TransactionId, PaySim(Good).Transaction!.Request.TransactionId); // replay: same id
        Assert.NotEqual(t.Request.TransactionId, PaySim(Good, 3).Transaction!.Request.TransactionId); // another line: another id
    }

    [Fact]
    public void An_account_opens_with_the_reported_balance_and_a_debit_above_it_is_marked_inconsistent()
    {
        var r = PaySim("3,CASH_OUT,500.00,C1,100.00,0.0,C2,0.0,0.0,0,0").Transaction!;
        Assert.Equal(10_000, r.Request.OpeningBalanceMinor);
        Assert.True(r.ReportedBalanceTooLow);
        Assert.False(PaySim("3,CASH_OUT,50.00,C1,100.00,0.0,C2,0.0,0.0,0,0").Transaction!.ReportedBalanceTooLow);
        var credit = PaySim("3,CASH_IN,500.00,C1,100.00,600.0,C2,0.0,0.0,0,0").Transaction!;
        Assert.Equal(10_000, credit.Request.OpeningBalanceMinor);
        Assert.False(credit.ReportedBalanceTooLow);
    }

    [Fact]
    public void Header_blank_and_crlf_lines_are_handled()
    {
        Assert.Equal(ParseKind.Skipped, PaySim(PaySimParser.Header).Kind);
        Assert.Equal(ParseKind.Skipped, PaySim("").Kind);
        Assert.Equal(ParseKind.Skipped, PaySim("   ").Kind);
        Assert.Equal(ParseKind.Transaction, PaySim(Good + "\r").Kind);
    }

    [Theory]
    [InlineData("1,TRANSFER,181.00,C1305486145", "line", "columns")]
    [InlineData(Good + ",extra", "line", "columns")]
    [InlineData("1,TRANSFER,abc,C1,181.0,0.0,C2,0.0,0.0,1,0", "amount", "not a decimal number")]
    [InlineData("1,TRANSFER,1.234,C1,181.0,0.0,C2,0.0,0.0,1,0", "amount", "more than 2 decimal")]
    [InlineData("1,TRANSFER,-5.00,C1,181.0,0.0,C2,0.0,0.0,1,0", "amount", "greater than zero")]
    [InlineData("1,TRANSFER,0.00,C1,181.0,0.0,C2,0.0,0.0,1,0", "amount", "greater than zero")]
    [InlineData("1,REFUND,5.00,C1,181.0,0.0,C2,0.0,0.0,1,0", "type", "not one of")]
    [InlineData("0,TRANSFER,5.00,C1,181.0,0.0,C2,0.0,0.0,1,0", "step", "1..")]
    [InlineData("x,TRANSFER,5.00,C1,181.0,0.0,C2,0.0,0.0,1,0", "step", "1..")]
    [InlineData("1,TRANSFER,5.00,C1,181.0,0.0,C1,0.0,0.0,1,0", "counterparty", "differ")]
    [InlineData("1,TRANSFER,5.00,,181.0,0.0,C2,0.0,0.0,1,0", "accountId", "empty")]
    [InlineData("1,TRANSFER,5.00,C1,181.0,0.0,C2,0.0,0.0,2,0", "isFraud", "0 or 1")]
    [InlineData("1,TRANSFER,99999999999999999999.00,C1,1.0,0.0,C2,0.0,0.0,0,0", "amount", "overflows")]
    [InlineData("1,TRANSFER,5.00,C\uFFFD1,181.0,0.0,C2,0.0,0.0,0,0", "line", "UTF-8")]
    public void Bad_paysim_rows_become_dead_letters_naming_the_field(string line, string field, string reason) =>
        AssertDead(PaySim(line), field, reason);

    [Fact]
    public void A_ten_megabyte_line_is_rejected_without_parsing()
    {
        var huge = new string('9', 10 * 1024 * 1024);
        var r = PaySim("1,TRANSFER," + huge);
        AssertDead(r, "line", "longer than");
        Assert.True(r.DeadLetter!.Raw.Length <= DeadLetter.MaxRawLength + 1);
    }

    [Fact]
    public void Every_row_of_the_bundled_sample_parses_with_unique_stable_ids_and_exact_amounts()
    {
        var path = Path.Combine(RepoPaths.Root, "samples", "paysim-10k.csv");
        var parser = new PaySimParser(Options);
        var lines = File.ReadAllLines(path);
        var results = lines.Select((l, i) => parser.Parse(new RawRecord(path, i + 1, l))).ToList();
        Assert.Equal(1, results.Count(r => r.Kind == ParseKind.Skipped));
        var transactions = results.Where(r => r.Kind == ParseKind.Transaction).Select(r => r.Transaction!).ToList();
        Assert.Equal(10_000, transactions.Count);
        Assert.Equal(10_000, transactions.Select(t => t.Request.TransactionId).Distinct().Count());
        Assert.Equal(500, transactions.Count(t => t.IsFraud == true));
        // Independent check of the money: decimal parsing of the raw column, in cents.
        var expected = lines.Skip(1).Sum(l => (long)(decimal.Parse(l.Split(',')[2], System.Globalization.CultureInfo.InvariantCulture) * 100));
        Assert.Equal(expected, transactions.Sum(t => t.Request.AmountMinor));
    }

    [Fact]
    public void Ids_with_control_or_format_characters_become_dead_letters_naming_the_field()
    {
        var parser = new JsonLinesParser(Options);
        AssertDead(parser.Parse(new RawRecord("in.jsonl", 1, "{\"id\":\"t1\",\"account\":\"VICTIM\u202E1\",\"type\":\"CASH_IN\",\"amount\":\"1.00\",\"currency\":\"EUR\"}")),
            "accountId", "invisible format character U+202E");
        AssertDead(parser.Parse(new RawRecord("in.jsonl", 2, "{\"id\":\"t\u200B2\",\"account\":\"A1\",\"type\":\"CASH_IN\",\"amount\":\"1.00\",\"currency\":\"EUR\"}")),
            "transactionId", "invisible format character U+200B");
    }

    [Fact]
    public void Json_lines_take_string_and_number_amounts_and_fill_missing_fields_with_flags()
    {
        var parser = new JsonLinesParser(Options);
        var full = parser.Parse(new RawRecord("in.jsonl", 1,
            """{"id":"t1","account":"A1","type":"PAYMENT","amount":"12.34","currency":"EUR","counterparty":"M9","timestamp":"2026-01-01T10:00:00Z"}""")).Transaction!;
        Assert.Equal(1234, full.Request.AmountMinor);
        Assert.Equal("EUR", full.Request.CurrencyCode);
        Assert.Equal(FilledFields.None, full.Filled);

        var number = parser.Parse(new RawRecord("in.jsonl", 2, """{"account":"A1","type":"CASH_IN","amount":1000.5}""")).Transaction!;
        Assert.Equal(100_050, number.Request.AmountMinor);
        Assert.Equal("USD", number.Request.CurrencyCode);
        Assert.Equal(42, number.Request.EventTimeMs);
        Assert.Equal(FilledFields.TransactionId | FilledFields.Currency | FilledFields.Timestamp, number.Filled);
        Assert.StartsWith("jl-2-", number.Request.TransactionId);

        var jpy = parser.Parse(new RawRecord("in.jsonl", 3, """{"account":"A1","type":"CASH_IN","amount":"100.5","currency":"JPY"}"""));
        AssertDead(jpy, "amount", "0 decimal");
        AssertDead(parser.Parse(new RawRecord("in.jsonl", 4, "{not json")), "line", "not valid JSON");
        AssertDead(parser.Parse(new RawRecord("in.jsonl", 5, """{"type":"CASH_IN","amount":"1"}""")), "account", "missing");
        AssertDead(parser.Parse(new RawRecord("in.jsonl", 6, """{"account":"A","type":"CASH_IN","amount":"1","currency":"DEM"}""")), "currency", "withdrawn");
        AssertDead(parser.Parse(new RawRecord("in.jsonl", 7, """{"account":"A","type":"CASH_IN","amount":"1","timestamp":"yesterday"}""")), "timestamp", "ISO-8601");
    }

    [Fact]
    public void Generic_csv_follows_the_header_mapping_and_rfc4180_quotes()
    {
        var options = Options with { Csv = new CsvMapping(TransactionId: "ref", AccountId: "payer", Amount: "value") };
        var parser = new CsvParser(options);
        Assert.Equal(ParseKind.Skipped, parser.Parse(new RawRecord("g.csv", 1, "ref,payer,type,value,currency,counterparty")).Kind);
        var t = parser.Parse(new RawRecord("g.csv", 2, "\"r,1\",A1,PAYMENT,\"1,5\",EUR,\"M \"\"big\"\"\"")).Transaction;
        Assert.Null(t); // "1,5" is not a decimal amount: a dead letter, not a guess
        var ok = parser.Parse(new RawRecord("g.csv", 3, "\"r,1\",A1,PAYMENT,1.50,EUR,\"M \"\"big\"\"\"")).Transaction!;
        Assert.Equal("r,1", ok.Request.TransactionId);
        Assert.Equal("M \"big\"", ok.Request.Counterparty);
        Assert.Equal(150, ok.Request.AmountMinor);
        AssertDead(parser.Parse(new RawRecord("g.csv", 4, "r2,A1,PAYMENT")), "line", "columns");
        AssertDead(parser.Parse(new RawRecord("g.csv", 5, "\"r3,A1,PAYMENT,1,EUR,x")), "line", "unterminated");
    }

    [Fact]
    public void Duplicate_filter_drops_exact_repeats_within_its_window()
    {
        var filter = new DuplicateFilter(capacity: 2);
        var a = PaySim(Good, 2).Transaction!;
        var b = PaySim(Good, 3).Transaction!;
        var c = PaySim(Good, 4).Transaction!;
        var b2 = PaySim("2,CASH_IN,5.00,C9,0.0,5.0,C8,0.0,0.0,0,0", 9).Transaction!;
        Assert.False(filter.IsDuplicate(a));
        Assert.True(filter.IsDuplicate(a));
        Assert.True(filter.IsDuplicate(b)); // the same row on another line: same content, a duplicate
        Assert.True(filter.IsDuplicate(c));
        Assert.False(filter.IsDuplicate(b2));
        var d = PaySim("3,CASH_IN,5.00,C9,0.0,5.0,C8,0.0,0.0,0,0", 10).Transaction!;
        Assert.False(filter.IsDuplicate(d)); // a falls out of the window of 2
        Assert.False(filter.IsDuplicate(a));
    }

    [Fact]
    public void The_generator_is_deterministic_per_seed_and_skews_with_zipf()
    {
        var a = new TransactionGenerator(7, new GeneratorOptions(Accounts: 1000, FraudRate: 0.05)).Generate(5_000).ToList();
        var b = new TransactionGenerator(7, new GeneratorOptions(Accounts: 1000, FraudRate: 0.05)).Generate(5_000).ToList();
        var c = new TransactionGenerator(8, new GeneratorOptions(Accounts: 1000, FraudRate: 0.05)).Generate(5_000).ToList();
        Assert.Equal(a.Select(t => t.Request), b.Select(t => t.Request));
        Assert.NotEqual(a.Select(t => t.Request), c.Select(t => t.Request));
        Assert.Contains(a, t => t.IsFraud == true);
        Assert.All(a, t => Assert.True(t.Request.AmountMinor > 0));

        var zipf = new TransactionGenerator(7, new GeneratorOptions(Accounts: 1000, Skew: AccountSkew.Zipf)).Generate(20_000)
            .GroupBy(t => t.Request.AccountId).Max(g => g.Count());
        Assert.True(zipf > 20 * (20_000 / 1000), $"top account had {zipf}");
    }

    [Fact]
    public void A_record_dated_beyond_the_max_future_skew_is_rejected_naming_the_timestamp()
    {
        var now = new DateTimeOffset(2026, 12, 1, 0, 0, 0, TimeSpan.Zero).ToUnixTimeMilliseconds();
        var parser = new JsonLinesParser(new IngestionOptions { Clock = () => now });
        ParseResult Parse(string timestamp) => parser.Parse(new RawRecord("t.jsonl", 1,
            $$"""{"id":"f1","account":"A1","type":"CASH_IN","amount":"1.00","currency":"EUR","timestamp":"{{timestamp}}"}"""));

        AssertDead(Parse("9999-12-31T23:59:59Z"), "timestamp", "ahead of this node's clock");
        AssertDead(Parse("2026-12-01T00:05:01Z"), "timestamp", "max future skew");
        Assert.Equal(ParseKind.Transaction, Parse("2026-12-01T00:04:59Z").Kind);
        Assert.Equal(ParseKind.Transaction, Parse("2020-01-01T00:00:00Z").Kind);
    }

    [Fact]
    public void A_record_older_than_the_windows_retention_behind_the_newest_event_time_is_rejected_naming_the_timestamp()
    {
        var horizon = new EventTimeHorizon(TimeSpan.FromDays(35));
        var parser = new JsonLinesParser(new IngestionOptions { Horizon = horizon });
        ParseResult Parse(string timestamp) => parser.Parse(new RawRecord("t.jsonl", 1,
            $$"""{"id":"o1","account":"A1","type":"CASH_IN","amount":"1.00","currency":"EUR","timestamp":"{{timestamp}}"}"""));

        // Nothing seen yet: a replay of old data starts wherever its data is.
        Assert.Equal(ParseKind.Transaction, Parse("1971-01-01T00:00:00Z").Kind);

        horizon.Observe(DateTimeOffset.Parse("2026-03-01T00:00:00Z", CultureInfo.InvariantCulture).ToUnixTimeMilliseconds());
        AssertDead(Parse("2026-01-24T23:59:59Z"), "timestamp", "older than the windows' retention");
        AssertDead(Parse("1971-01-01T00:00:00Z"), "timestamp", "35 days before the newest event time seen, 2026-03-01");
        Assert.Equal(ParseKind.Transaction, Parse("2026-01-25T00:00:00Z").Kind);
        Assert.Equal(ParseKind.Transaction, Parse("2026-02-28T12:00:00Z").Kind);
    }
}
