using System.Data.Common;
using System.Text;
using Npgsql;
using NpgsqlTypes;

namespace PaymentActors.Cluster.Hosting;

/// <summary>Statements on the journal's own database (the window and alert sinks' tables).</summary>
internal static class DbCommands
{
    /// <summary>
    /// Rows per multi-row INSERT on PostgreSQL: one round trip per 256 rows instead of one per row (row by row, over TCP
    /// it wrote ≈ 6k window results/s and held the collector minutes behind a long burst); 256 × 13 columns stays far
    /// under its parameter limit. SQLite runs in-process, so there is no round trip to save, and its driver looks every
    /// parameter up by name in a list as long as the statement's: binding n parameters costs n², and a 256-row statement
    /// spent more CPU binding than inserting. There one prepared single-row statement is executed per row.
    /// </summary>
    public const int RowsPerStatement = 256;

    public static void Execute(this DbConnection connection, DbTransaction? transaction, string sql, params (string Name, object Value)[] parameters)
    {
        using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql;
        foreach (var (name, value) in parameters)
        {
            var p = command.CreateParameter();
            p.ParameterName = name;
            p.Value = value;
            command.Parameters.Add(p);
        }

        command.ExecuteNonQuery();
    }

    /// <summary>
    /// Inserts <paramref name="rows"/> into <paramref name="table"/>, skipping any whose key is already there (the sinks
    /// are idempotent): on PostgreSQL with multi-row statements of up to <see cref="RowsPerStatement"/> rows (the statement
    /// of a full chunk built once and reused), or, for a larger batch, with binary COPY; on SQLite row by row, with one
    /// statement prepared once.
    /// </summary>
    /// <param name="columns">How many values <paramref name="values"/> writes for each row, in the table's column order.</param>
    public static void InsertIgnoringDuplicates<T>(this DbConnection connection, DbTransaction transaction, bool postgres, string table, int columns,
        IReadOnlyList<T> rows, Action<T, object?[]> values)
    {
        if (postgres && rows.Count > RowsPerStatement && connection is NpgsqlConnection npgsql)
        {
            CopyIgnoringDuplicates(npgsql, transaction, table, columns, rows, values);
            return;
        }

        var row = new object?[columns];
        var perStatement = postgres ? RowsPerStatement : 1;
        DbCommand? full = null;
        try
        {
            for (var start = 0; start < rows.Count; start += perStatement)
            {
                var count = Math.Min(perStatement, rows.Count - start);
                var command = count == perStatement
                    ? full ??= InsertCommand(connection, transaction, postgres, table, columns, count)
                    : InsertCommand(connection, transaction, postgres, table, columns, count);
                try
                {
                    for (var i = 0; i < count; i++)
                    {
                        values(rows[start + i], row);
                        for (var c = 0; c < columns; c++)
                        {
                            command.Parameters[i * columns + c].Value = row[c] ?? DBNull.Value;
                        }
                    }

                    command.ExecuteNonQuery();
                }
                finally
                {
                    if (command != full)
                    {
                        command.Dispose();
                    }
                }
            }
        }
        finally
        {
            full?.Dispose();
        }
    }

    /// <summary>
    /// PostgreSQL, a large batch: binary COPY into a session's staging table (emptied at commit), then one INSERT … SELECT
    /// that skips the keys already stored. COPY cannot skip duplicates itself, and is several times faster than
    /// multi-row statements (≈ 25–35k window results/s measured with those).
    /// </summary>
    private static void CopyIgnoringDuplicates<T>(NpgsqlConnection connection, DbTransaction transaction, string table, int columns,
        IReadOnlyList<T> rows, Action<T, object?[]> values)
    {
        var staging = "staging_" + table;
        connection.Execute(transaction, $"CREATE TEMP TABLE IF NOT EXISTS {staging} (LIKE {table}) ON COMMIT DELETE ROWS");
        using (var importer = connection.BeginBinaryImport($"COPY {staging} FROM STDIN (FORMAT BINARY)"))
        {
            var row = new object?[columns];
            foreach (var item in rows)
            {
                values(item, row);
                importer.StartRow();
                foreach (var value in row)
                {
                    switch (value)
                    {
                        case string text:
                            importer.Write(text, NpgsqlDbType.Varchar);
                            break;
                        case long number:
                            importer.Write(number, NpgsqlDbType.Bigint);
                            break;
                        case int number:
                            importer.Write(number, NpgsqlDbType.Integer);
                            break;
                        case null:
                            importer.WriteNull();
                            break;
                        default:
                            throw new ArgumentException($"{table}: no COPY mapping for a value of type {value.GetType().Name}", nameof(values));
                    }
                }
            }

            importer.Complete();
        }

        connection.Execute(transaction, $"INSERT INTO {table} SELECT * FROM {staging} ON CONFLICT DO NOTHING");
    }

    private static DbCommand InsertCommand(DbConnection connection, DbTransaction transaction, bool postgres, string table, int columns, int rows)
    {
        var sql = new StringBuilder(postgres ? "INSERT INTO " : "INSERT OR IGNORE INTO ").Append(table).Append(" VALUES ");
        var command = connection.CreateCommand();
        command.Transaction = transaction;
        for (var r = 0; r < rows; r++)
        {
            sql.Append(r == 0 ? "(" : ",(");
            for (var c = 0; c < columns; c++)
            {
                var name = $"@p{r}_{c}";
                sql.Append(c == 0 ? "" : ",").Append(name);
                var parameter = command.CreateParameter();
                parameter.ParameterName = name;
                command.Parameters.Add(parameter);
            }

            sql.Append(')');
        }

        command.CommandText = sql.Append(postgres ? " ON CONFLICT DO NOTHING" : "").ToString();
        return command;
    }
}
