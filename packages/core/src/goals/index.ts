export { GOALS_DB_FILE_NAME, GoalStore, type StoredGoalStatus, type ThreadGoalRow } from "./store.js";
