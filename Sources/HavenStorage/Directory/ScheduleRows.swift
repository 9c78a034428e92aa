import Foundation
import HavenCore
import Logging
import PostgresNIO

/// Writes a `WeeklySchedule` as HSDS schedule rows (one per set of days with the same hours)
/// plus dated exceptions, for one owner: a service, a location or a crisis channel.
struct ScheduleRows {
    enum Owner {
        case service(UUID)
        case location(UUID)
        case crisisChannel(UUID)

        /// Trusted column names, never input.
        var column: String {
            switch self {
            case .service: "service_id"
            case .location: "location_id"
            case .crisisChannel: "crisis_channel_id"
            }
        }

        var id: UUID {
            switch self {
            case .service(let id), .location(let id), .crisisChannel(let id): id
            }
        }
    }

    let logger: Logger

    func replace(_ schedule: WeeklySchedule?, of owner: Owner, on connection: PostgresConnection) async throws {
        let column = owner.column
        try await connection.query(
            "DELETE FROM schedules WHERE \(unescaped: column) = \(owner.id)", logger: logger)
        try await connection.query(
            "DELETE FROM schedule_exceptions WHERE \(unescaped: column) = \(owner.id)", logger: logger)
        guard let schedule else { return }
        if schedule.alwaysOpen {
            try await connection.query(
                """
                INSERT INTO schedules (id, \(unescaped: column), time_zone, open_24_7, freq, description)
                VALUES (\(LocationRepository.childID(owner.id, "schedule", 0)), \(owner.id), \(schedule.timeZone), true, 'WEEKLY', 'Open 24 hours, 7 days a week')
                """,
                logger: logger)
        }
        for (index, hours) in schedule.hours.enumerated() {
            let days = hours.days.map(\.rawValue).joined(separator: ",")
            try await connection.query(
                """
                INSERT INTO schedules (id, \(unescaped: column), time_zone, open_24_7, freq, byday, opens_at, closes_at)
                VALUES (\(LocationRepository.childID(owner.id, "schedule", index + 1)), \(owner.id), \(schedule.timeZone), false, 'WEEKLY', \(days), \(hours.opens.description)::time,
                        \(hours.closes.description)::time)
                """,
                logger: logger)
        }
        for (index, exception) in schedule.exceptions.enumerated() {
            try await connection.query(
                """
                INSERT INTO schedule_exceptions (id, \(unescaped: column), starts_on, ends_on, closed, opens_at, closes_at, reason)
                VALUES (\(LocationRepository.childID(owner.id, "schedule-exception", index)), \(owner.id), \(exception.startsOn.description)::date, \(exception.endsOn.description)::date,
                        \(exception.closed), \(exception.opens?.description)::time, \(exception.closes?.description)::time, \(exception.reason))
                """,
                logger: logger)
        }
    }
}
